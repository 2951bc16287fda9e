"""Run a function in several threads at once, each with its own site connection, as several
web or RQ workers would. Data they read must be committed first."""

import threading

import frappe


def run_concurrently(fn, workers: int = 2, timeout: float = 120) -> list[str]:
	"""Start `workers` threads that call `fn()` together (after a barrier) and commit; returns
	the errors they raised, as text."""
	site, sites_path = frappe.local.site, frappe.local.sites_path
	barrier, errors = threading.Barrier(workers), []

	def worker():
		frappe.init(site=site, sites_path=sites_path)
		frappe.connect()
		try:
			frappe.set_user("Administrator")
			frappe.flags.in_test = True
			barrier.wait(timeout=30)
			fn()
			frappe.db.commit()
		except Exception as e:
			errors.append(repr(e))
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=worker) for _ in range(workers)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout)
	return errors
