"""Order documents benchmark: `bench --site SITE crm-orders benchmark-documents [--orders 100]`.

Creates N Formation Orders of its own (an LLC with the EIN and Registered Agent add-ons: an
operating agreement as DOCX, an SS-4 cover letter and an invoice summary as PDF, with the site's
Document Templates) for a customer of its own, waits until other jobs on the `long` queue (e.g.
search indexing queued by a migrate) are done, moves its orders to Queued in one commit, and times
the real generation jobs until every order is in Review (or Failed). It needs a
running `bench worker` serving that queue. Everything it made (orders, their files, status logs,
Error Logs, the customer) is removed in `finally`, also when interrupted.
"""

import statistics
import time

import frappe
from frappe.utils import get_datetime

from crm_order_extension.core import pipeline

DOCTYPE = pipeline.FORMATION_ORDER
POLL = 0.5


def long_queue_workers() -> int:
	from frappe.utils.background_jobs import get_queue, get_workers

	return len(get_workers(get_queue("long")))


def busy_jobs() -> int:
	"""Jobs queued or running on the long queue (other work there would be timed too)."""
	from frappe.utils.background_jobs import get_queue

	queue = get_queue("long")
	return queue.count + queue.started_job_registry.count


def wait_for_quiet_queue(timeout: float = 300) -> int:
	deadline = time.monotonic() + timeout
	busy = busy_jobs()
	if busy:
		print(f"Waiting for {busy} other jobs on the long queue to finish ...", flush=True)
	while busy and time.monotonic() < deadline:
		time.sleep(POLL)
		busy = busy_jobs()
	return busy


def make_customer() -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": f"COE Bench Documents {frappe.generate_hash(length=6)}",
				"customer_group": "All Customer Groups",
				"territory": "All Territories",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_orders(customer: str, count: int, names: list[str]) -> None:
	for n in range(count):
		doc = frappe.get_doc(
			{
				"doctype": DOCTYPE,
				"customer": customer,
				"entity_name": f"Bench Holdings {n:04d}",
				"entity_type": "LLC",
				"state": "DE",
				"management_type": "Member-managed",
				"members": [
					{"member_name": "Ann Bench", "ownership_pct": 60, "capital_contribution": 600},
					{"member_name": "Bob Bench", "ownership_pct": 40, "capital_contribution": 400},
				],
				"add_ons": [{"add_on": "EIN", "price": 79}, {"add_on": "Registered Agent", "price": 120}],
			}
		).insert(ignore_permissions=True)
		names.append(doc.name)
	frappe.db.commit()


def statuses(names: list[str]) -> dict[str, str]:
	frappe.db.rollback()  # a fresh snapshot: see what the worker committed
	return dict(
		frappe.get_all(DOCTYPE, filters={"name": ("in", names)}, fields=["name", "status"], as_list=True)
	)


def wait_for(names: list[str], timeout: float) -> dict[str, str]:
	deadline = time.monotonic() + timeout
	while True:
		found = statuses(names)
		if (
			all(s in (pipeline.REVIEW, pipeline.FAILED) for s in found.values())
			or time.monotonic() > deadline
		):
			return found
		time.sleep(POLL)


def job_seconds(names: list[str]) -> list[float]:
	"""Per order: from the job's move to Processing to its move to Review (rendering, attaching)."""
	rows = frappe.get_all(
		"Order Status Log",
		filters={
			"parenttype": DOCTYPE,
			"parent": ("in", names),
			"to_status": ("in", ["Processing", "Review"]),
		},
		fields=["parent", "to_status", "changed_on"],
	)
	moves: dict[str, dict] = {}
	for row in rows:
		moves.setdefault(row.parent, {})[row.to_status] = get_datetime(row.changed_on)
	return [
		(m["Review"] - m["Processing"]).total_seconds()
		for m in moves.values()
		if "Review" in m and "Processing" in m
	]


def remove(names: list[str], customer: str | None) -> None:
	frappe.db.rollback()
	if names:
		# A job still running would recreate files: let the queue settle first (bounded).
		deadline = time.monotonic() + 120
		while time.monotonic() < deadline and any(
			s in (pipeline.QUEUED, pipeline.PROCESSING) for s in statuses(names).values()
		):
			time.sleep(POLL)
	for name in names:
		if frappe.db.exists(DOCTYPE, name):
			frappe.delete_doc(DOCTYPE, name, force=True, ignore_permissions=True, delete_permanently=True)
	if names:
		for doctype, field in (
			("Error Log", "reference_name"),
			("Version", "docname"),
			("Comment", "reference_name"),
		):
			frappe.db.delete(doctype, {field: ("in", names)})
	if customer and frappe.db.exists("Customer", customer):
		frappe.delete_doc("Customer", customer, force=True, ignore_permissions=True, delete_permanently=True)
	frappe.db.commit()


def run(orders: int = 100, timeout: float | None = None) -> dict | None:
	workers = long_queue_workers()
	if not workers:
		print(
			"No `bench worker` serves the long queue of this bench: start one "
			"(bench worker --queue short,default,long) and run the benchmark again."
		)
		return None
	timeout = timeout or max(120.0, orders * 10.0)
	names: list[str] = []
	customer = None
	try:
		customer = make_customer()
		frappe.db.commit()
		print(f"Creating {orders} Formation Orders (LLC, EIN, Registered Agent) ...", flush=True)
		make_orders(customer, orders, names)
		if others := wait_for_quiet_queue():
			print(f"{others} other jobs are still on the long queue: they are in the figures below")

		start = time.perf_counter()
		for name in names:
			doc = frappe.get_doc(DOCTYPE, name)
			doc.status = pipeline.QUEUED
			doc.flags.ignore_permissions = True
			doc.save()
		frappe.db.commit()  # the generation jobs are queued after this commit
		found = wait_for(names, timeout)
		elapsed = time.perf_counter() - start

		reviewed = [n for n, s in found.items() if s == pipeline.REVIEW]
		failed = [n for n, s in found.items() if s == pipeline.FAILED]
		pending = len(names) - len(reviewed) - len(failed)
		files = frappe.db.count("File", {"attached_to_doctype": DOCTYPE, "attached_to_name": ("in", names)})
		in_job = job_seconds(names)
		per_order = elapsed / max(len(reviewed) + len(failed), 1)
		print(f"worker processes serving the long queue: {workers}")
		print(
			f"orders: {len(names)}, in Review: {len(reviewed)}, Failed: {len(failed)}, unfinished: {pending}"
		)
		print(f"documents attached: {files}")
		print(
			f"wall clock from commit to the last order in Review: {elapsed:.1f} s ({per_order:.3f} s per order)"
		)
		if in_job:
			print(
				f"inside the job (Processing → Review): median {statistics.median(in_job):.3f} s, "
				f"max {max(in_job):.3f} s per order"
			)
		print(
			f"target < 1 s per order: {'met' if per_order < 1 and not pending and not failed else 'NOT met'}"
		)
		return {
			"orders": len(names),
			"reviewed": len(reviewed),
			"failed": len(failed),
			"files": files,
			"seconds": elapsed,
			"per_order": per_order,
			"job_median": statistics.median(in_job) if in_job else None,
		}
	finally:
		remove(names, customer)
