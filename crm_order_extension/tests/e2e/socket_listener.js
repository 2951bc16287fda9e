// Subscribes to the site's socket.io server as a user (API key) and prints every event named on
// the command line as one JSON line: {"event": ..., "message": ...}. Used by e2e_live.py.
// Usage: node socket_listener.js <socket.io-client path> <url> <site> <origin> <token> <event>...
const [clientPath, url, site, origin, token, ...events] = process.argv.slice(2);
const { io } = require(clientPath);

const socket = io(`${url}/${site}`, {
	transports: ["websocket"],
	extraHeaders: { Origin: origin, Authorization: `token ${token}`, "X-Frappe-Site-Name": site },
	reconnectionAttempts: 3,
});
socket.on("connect", () => console.log(JSON.stringify({ event: "connected" })));
socket.on("connect_error", (error) =>
	console.log(JSON.stringify({ event: "connect_error", message: String(error) }))
);
events.forEach((event) => socket.on(event, (message) => console.log(JSON.stringify({ event, message }))));
setTimeout(() => process.exit(0), 600000);
