from datetime import date, datetime

from crm_order_extension.core.sla_report import daily_rows


def cycle(parent, day, outcome, seconds=None, hour=9):
	return {
		"parent": parent,
		"cycle_start": datetime(2026, 3, day, hour),
		"outcome": outcome,
		"first_response_time": seconds,
	}


def test_daily_rows_count_outcomes_percent_and_median():
	cycles = [
		cycle("L1", 2, "Fulfilled", 600),
		cycle("L1", 2, "Superseded"),
		cycle("L2", 2, "Failed", 9000),
		cycle("L3", 2, "Fulfilled", 1200),
		cycle("L4", 3, "Running"),
		cycle("L5", 1, "Failed", 100),  # before the window
	]
	rows = daily_rows(cycles, date(2026, 3, 2), date(2026, 3, 4))
	assert [r["date"] for r in rows] == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
	first = rows[0]
	assert (first["leads"], first["fulfilled"], first["failed"], first["pending"]) == (3, 2, 1, 0)
	assert first["fulfilment_pct"] == 66.7
	assert first["median_first_response"] == 1200
	assert (rows[1]["leads"], rows[1]["pending"], rows[1]["fulfilment_pct"]) == (1, 1, None)
	assert rows[2] == {
		"date": date(2026, 3, 4),
		"leads": 0,
		"fulfilled": 0,
		"failed": 0,
		"pending": 0,
		"fulfilment_pct": None,
		"median_first_response": None,
	}
