import random
from datetime import date, datetime, time, timedelta

import pytest

from crm_order_extension.core.business_hours import WEEKDAYS, WorkingHours, parse_time_of_day

H = timedelta(hours=1)
# 2024-06-03 is a Monday.
MON, TUE, FRI, SAT, SUN = (date(2024, 6, d) for d in (3, 4, 7, 8, 9))
NEXT_MON = date(2024, 6, 10)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
	return datetime.combine(day, time(hour, minute, second))


def office(holidays=()) -> WorkingHours:
	"""Monday to Friday, 09:00-17:00."""
	return WorkingHours({weekday: [(time(9), time(17))] for weekday in range(5)}, holidays)


def with_lunch(holidays=()) -> WorkingHours:
	"""Monday to Friday, 09:00-12:00 and 13:00-17:00."""
	return WorkingHours(
		{weekday: [(time(9), time(12)), (time(13), time(17))] for weekday in range(5)}, holidays
	)


# Brute-force reference: schedule as {weekday: [(start_minute, end_minute)]}, one minute per step.
def brute_working(schedule, holidays, moment):
	if moment.date() in holidays:
		return False
	minute = moment.hour * 60 + moment.minute
	return any(start <= minute < end for start, end in schedule.get(moment.weekday(), []))


def brute_between(schedule, holidays, start, end):
	minutes, moment = 0, start
	while moment < end:
		minutes += brute_working(schedule, holidays, moment)
		moment += timedelta(minutes=1)
	return timedelta(minutes=minutes)


def brute_add(schedule, holidays, start, minutes):
	moment = start
	while not brute_working(schedule, holidays, moment):
		moment += timedelta(minutes=1)
	while minutes:
		if brute_working(schedule, holidays, moment):
			minutes -= 1
		moment += timedelta(minutes=1)
	return moment


def schedule_hours(schedule, holidays) -> WorkingHours:
	def hhmm(minute):
		return f"{minute // 60:02d}:{minute % 60:02d}:00"

	rows = [
		{"workday": name, "start_time": hhmm(start), "end_time": hhmm(end)}
		for weekday, name in enumerate(WEEKDAYS)
		for start, end in schedule.get(weekday, [])
	]
	return WorkingHours.from_rows(rows, holidays)


SCHEDULES = {
	"office": {weekday: [(540, 1020)] for weekday in range(5)},
	"lunch": {weekday: [(540, 720), (780, 1020)] for weekday in range(5)},
	"24/7": {weekday: [(0, 1440)] for weekday in range(7)},
	"saturday half hour": {5: [(600, 630)]},
	"uneven": {0: [(0, 90), (1380, 1440)], 1: [(0, 30)], 3: [(615, 1275)], 6: [(720, 721)]},
}
HOLIDAYS = {date(2024, 6, 10), date(2024, 6, 15), date(2024, 6, 19), date(2024, 6, 20), date(2024, 7, 1)}


# add_working_time


def test_always_adds_two_hours_across_midnight_and_weekends():
	hours = WorkingHours.always()
	assert hours.add_working_time(at(SAT, 23, 30), 2 * H) == at(SUN, 1, 30)
	assert hours.add_working_time(at(FRI, 10, 15, 7), 2 * H) == at(FRI, 12, 15, 7)
	assert hours.add_working_time(at(MON, 9), timedelta(days=2)) == at(date(2024, 6, 5), 9)


def test_always_holiday_is_skipped_even_for_24_7():
	hours = WorkingHours.always(holidays=[SUN])
	assert hours.add_working_time(at(SAT, 23), 2 * H) == at(NEXT_MON, 1)


def test_friday_afternoon_rolls_over_the_weekend():
	assert office().add_working_time(at(FRI, 16), 2 * H) == at(NEXT_MON, 10)


def test_target_ending_exactly_at_closing_time_is_closing_time():
	assert office().add_working_time(at(FRI, 15), 2 * H) == at(FRI, 17)


def test_start_at_closing_time_starts_next_working_day():
	assert office().add_working_time(at(FRI, 17), 2 * H) == at(NEXT_MON, 11)


def test_start_on_saturday_starts_monday_morning():
	assert office().add_working_time(at(SAT, 11, 42), 2 * H) == at(NEXT_MON, 11)


def test_start_before_opening_starts_at_opening():
	assert office().add_working_time(at(TUE, 6, 30), 2 * H) == at(TUE, 11)


def test_holiday_monday_moves_to_tuesday():
	hours = office(holidays={NEXT_MON})
	assert hours.add_working_time(at(FRI, 16), 2 * H) == at(date(2024, 6, 11), 10)
	assert hours.add_working_time(at(NEXT_MON, 10), 2 * H) == at(date(2024, 6, 11), 11)


def test_lunch_break_is_not_counted():
	hours = with_lunch()
	assert hours.add_working_time(at(MON, 11), 2 * H) == at(MON, 14)
	assert hours.add_working_time(at(MON, 12, 30), 2 * H) == at(MON, 15)
	assert hours.add_working_time(at(MON, 10), 2 * H) == at(MON, 12)


def test_two_day_resolution_target_counts_working_time_only():
	# 48 working hours of 8 per day: six working days.
	assert office().add_working_time(at(MON, 9), timedelta(days=2)) == at(NEXT_MON, 17)


def test_zero_duration_is_next_working_moment():
	hours = office()
	assert hours.add_working_time(at(TUE, 10), timedelta(0)) == at(TUE, 10)
	assert hours.add_working_time(at(SAT, 10), timedelta(0)) == at(NEXT_MON, 9)
	assert hours.next_working_moment(at(FRI, 17)) == at(NEXT_MON, 9)


def test_sub_second_precision_is_kept():
	start = datetime(2024, 6, 3, 16, 59, 59, 250000)
	assert office().add_working_time(start, timedelta(seconds=1)) == datetime(2024, 6, 4, 9, 0, 0, 250000)


def test_negative_duration_is_rejected():
	with pytest.raises(ValueError):
		office().add_working_time(at(MON, 9), -H)


def test_many_weeks_out_is_exact_and_cheap():
	hours = office()
	# 52 weeks of 40 hours from Monday 09:00 end on the Friday 17:00 of the 52nd week.
	assert hours.add_working_time(at(MON, 9), 52 * 40 * H) == at(date(2025, 5, 30), 17)
	with_holiday = office(holidays={date(2024, 12, 25)})
	assert with_holiday.add_working_time(at(MON, 9), 52 * 40 * H) == at(date(2025, 6, 2), 17)


def test_weeks_are_jumped_not_walked_day_by_day():
	visited = []

	class Counting(WorkingHours):
		__slots__ = ()

		def _day_intervals(self, day):
			visited.append(day)
			return super()._day_intervals(day)

	hours = Counting({weekday: [(time(9), time(17))] for weekday in range(5)}, {date(2030, 1, 1)})
	# The Tuesday holiday pushes the target by one working day.
	result = hours.add_working_time(at(MON, 9), 500 * 40 * H + 3 * H)
	assert result == at(TUE + timedelta(weeks=500), 12)
	assert len(visited) <= 14
	visited.clear()
	assert hours.working_time_between(at(MON, 9), result) == 500 * 40 * H + 3 * H
	assert len(visited) <= 2


def test_years_of_holidays_are_jumped_then_work_resumes():
	first = date(2024, 6, 3)
	blocked = {first + timedelta(days=i) for i in range(3 * 365)}
	hours = office(holidays=blocked)
	resume = first + timedelta(days=3 * 365)  # 2027-06-03, a Thursday
	assert resume.weekday() == 3
	assert hours.add_working_time(at(first, 9), 2 * H) == at(resume, 11)
	assert hours.add_working_time(at(first, 9), 10 * H) == at(resume + timedelta(days=1), 11)


def test_no_working_days_raises_instead_of_looping():
	with pytest.raises(ValueError):
		WorkingHours({}).add_working_time(at(MON, 9), 2 * H)
	with pytest.raises(ValueError):
		WorkingHours.from_rows([]).add_working_time(at(MON, 9), timedelta(0))


def test_holidays_covering_everything_raise():
	days = {date(2024, 1, 1) + timedelta(days=i) for i in range(11 * 366)}
	hours = WorkingHours.always(holidays=days)
	with pytest.raises(ValueError):
		hours.add_working_time(at(MON, 9), 2 * H)


# working_time_between


def test_between_across_a_weekend():
	hours = office()
	assert hours.working_time_between(at(FRI, 16), at(NEXT_MON, 10)) == 2 * H
	assert hours.working_time_between(at(SAT, 8), at(SUN, 20)) == timedelta(0)


def test_between_across_holidays():
	hours = office(holidays={NEXT_MON, date(2024, 6, 12), SAT})
	# Fri 16-17, Tue 9-17, Thu 9-10: 1 + 8 + 1 hours.
	assert hours.working_time_between(at(FRI, 16), at(date(2024, 6, 13), 10)) == 10 * H


def test_between_same_day_and_lunch():
	hours = with_lunch()
	assert hours.working_time_between(at(MON, 11, 30), at(MON, 13, 15)) == timedelta(minutes=45)
	assert hours.working_time_between(at(MON, 12, 10), at(MON, 12, 50)) == timedelta(0)
	assert hours.working_time_between(at(MON, 7), at(MON, 20)) == 7 * H


def test_between_is_zero_when_end_not_after_start():
	hours = WorkingHours.always()
	assert hours.working_time_between(at(MON, 10), at(MON, 10)) == timedelta(0)
	assert hours.working_time_between(at(MON, 11), at(MON, 10)) == timedelta(0)


def test_between_many_weeks():
	hours = office(holidays={date(2024, 12, 25), date(2025, 1, 1), date(2024, 12, 28)})
	# 2024-12-28 is a Saturday and removes nothing.
	assert hours.working_time_between(at(MON, 9), at(date(2025, 6, 2), 9)) == (52 * 40 - 16) * H


def test_between_with_no_working_days_is_zero():
	assert WorkingHours({}).working_time_between(at(MON, 9), at(NEXT_MON, 9)) == timedelta(0)


def test_is_working_time_uses_half_open_intervals():
	hours = with_lunch(holidays={TUE})
	assert hours.is_working_time(at(MON, 9))
	assert not hours.is_working_time(at(MON, 12))
	assert hours.is_working_time(at(MON, 16, 59, 59))
	assert not hours.is_working_time(at(MON, 17))
	assert not hours.is_working_time(at(TUE, 10))


# properties and the brute-force reference


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_between_inverts_add_for_random_starts_and_durations(name):
	hours = schedule_hours(SCHEDULES[name], HOLIDAYS)
	rng = random.Random(20240603)
	for _ in range(300):
		start = datetime(2024, 5, 20) + timedelta(
			seconds=rng.randrange(60 * 86400), microseconds=rng.randrange(10**6)
		)
		# Up to eight weeks of working time, whatever the schedule's density.
		duration = timedelta(seconds=rng.randrange(0, 8 * int(hours.week_total.total_seconds())))
		end = hours.add_working_time(start, duration)
		assert end >= start
		assert hours.working_time_between(start, end) == duration, (start, duration)
		if duration:
			# The target is the earliest such moment: it is reached within (or at the end of) work.
			assert hours.working_time_between(start, end - timedelta(microseconds=1)) < duration


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_add_and_between_match_a_per_minute_reference(name):
	schedule = SCHEDULES[name]
	hours = schedule_hours(schedule, HOLIDAYS)
	rng = random.Random(7)
	for _ in range(12):
		start = datetime(2024, 6, 1) + timedelta(minutes=rng.randrange(25 * 1440))
		minutes = rng.randrange(0, 2 * 1440) if name != "saturday half hour" else rng.randrange(0, 120)
		expected = brute_add(schedule, HOLIDAYS, start, minutes)
		assert hours.add_working_time(start, timedelta(minutes=minutes)) == expected, (start, minutes)
		end = start + timedelta(minutes=rng.randrange(0, 12 * 1440))
		assert hours.working_time_between(start, end) == brute_between(schedule, HOLIDAYS, start, end)


def test_add_is_monotonic_in_duration():
	hours = with_lunch(holidays=HOLIDAYS)
	start = at(FRI, 11, 17)
	targets = [hours.add_working_time(start, timedelta(minutes=m)) for m in range(0, 3000, 7)]
	assert targets == sorted(targets)


# construction and row parsing


def test_time_values_from_mariadb_strings_and_time_objects():
	assert parse_time_of_day(timedelta(hours=9)) == 9 * H
	assert parse_time_of_day("09:00:00") == 9 * H
	assert parse_time_of_day("9:30") == timedelta(hours=9, minutes=30)
	assert parse_time_of_day(time(9, 0, 1)) == timedelta(hours=9, seconds=1)
	assert parse_time_of_day("10:00:00.5") == timedelta(hours=10, milliseconds=500)


@pytest.mark.parametrize(
	"end", ["23:59:59", time(23, 59, 59), timedelta(hours=23, minutes=59, seconds=59), "24:00:00", "00:00:00"]
)
def test_end_of_day_spellings_mean_midnight(end):
	assert parse_time_of_day(end, end=True) == timedelta(days=1)
	hours = WorkingHours.from_rows([{"workday": "Monday", "start_time": "00:00:00", "end_time": end}])
	assert hours.week_total == timedelta(days=1)
	assert hours.add_working_time(at(MON, 23), 2 * H) == at(NEXT_MON, 1)


@pytest.mark.parametrize("value", ["nine", "9", "25:00:00", timedelta(hours=-1), None, 9])
def test_bad_time_values_are_rejected(value):
	with pytest.raises(ValueError):
		parse_time_of_day(value)


def test_rows_in_every_time_representation_build_the_same_hours():
	holidays = [date(2024, 6, 10)]
	as_strings = [
		{"workday": day, "start_time": "09:00:00", "end_time": "17:00:00"} for day in ("Monday", "Friday")
	]
	as_deltas = [{"workday": day, "start_time": 9 * H, "end_time": 17 * H} for day in ("monday", "FRIDAY")]
	as_times = [{"workday": day, "start_time": time(9), "end_time": time(17)} for day in ("Friday", "Monday")]
	built = [WorkingHours.from_rows(rows, holidays) for rows in (as_strings, as_deltas, as_times)]
	expected = WorkingHours({0: [(time(9), time(17))], 4: [(time(9), time(17))]}, holidays)
	assert built == [expected] * 3
	assert len({hash(hours) for hours in built}) == 1
	assert expected.week_total == 16 * H


def test_rows_only_need_get_like_frappe_child_documents():
	class Row:
		def __init__(self, **values):
			self.values = values

		def get(self, key):
			return self.values.get(key)

	hours = WorkingHours.from_rows([Row(workday="Tuesday", start_time=9 * H, end_time=10 * H)])
	assert hours.add_working_time(at(MON, 12), 30 * timedelta(minutes=1)) == at(TUE, 9, 30)


def test_always_equals_seven_full_day_rows():
	rows = [{"workday": day, "start_time": "00:00:00", "end_time": "23:59:59"} for day in WEEKDAYS]
	assert WorkingHours.from_rows(rows) == WorkingHours.always()
	assert WorkingHours.always().week_total == timedelta(days=7)


def test_overlapping_rows_are_merged_not_double_counted():
	hours = WorkingHours({0: [("11:00", "14:00"), ("09:00", "12:00"), ("14:00", "15:00")]})
	assert hours.week_total == 6 * H
	assert hours.working_time_between(at(MON, 0), at(TUE, 0)) == 6 * H


def test_holidays_may_be_dates_datetimes_or_iso_strings():
	hours = office(holidays=["2024-06-10", datetime(2024, 6, 11, 0, 0)])
	assert hours.add_working_time(at(FRI, 16), 2 * H) == at(date(2024, 6, 12), 10)


def test_holidays_on_days_off_do_not_matter():
	assert office(holidays={SAT, SUN}) == office()


@pytest.mark.parametrize(
	"rows",
	[
		[{"workday": "Funday", "start_time": "09:00:00", "end_time": "17:00:00"}],
		[{"workday": None, "start_time": "09:00:00", "end_time": "17:00:00"}],
		[{"workday": "Monday", "start_time": "17:00:00", "end_time": "09:00:00"}],
		[{"workday": "Monday", "start_time": "09:00:00", "end_time": "09:00:00"}],
		[{"workday": "Monday", "start_time": None, "end_time": "17:00:00"}],
	],
)
def test_bad_rows_are_rejected(rows):
	with pytest.raises(ValueError):
		WorkingHours.from_rows(rows)


def test_bad_weekday_index_is_rejected():
	with pytest.raises(ValueError):
		WorkingHours({7: [(time(9), time(17))]})


def test_working_hours_are_immutable():
	hours = office()
	with pytest.raises(AttributeError):
		hours._week_total = timedelta(0)
