"""Working-time arithmetic for SLA targets: "2 working hours after X" and "working time from X to Y".

Working time is a set of half-open intervals [start, end) per weekday, minus whole-day holidays.
Datetimes are naive and in the system timezone (how Frappe stores them), so every day is 24 hours
and no DST handling happens here. The arithmetic walks interval by interval, at most one day per
step, and skips whole weeks at once, so a target many weeks out costs about as much as one tomorrow.
"""

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_INDEX = {name.casefold(): index for index, name in enumerate(WEEKDAYS)}

ZERO = timedelta(0)
DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
# Frappe CRM stores "until midnight" as 23:59:59; an end from there on is the end of the day.
END_OF_DAY_FROM = timedelta(hours=23, minutes=59, seconds=59)
# A target further out than this means holidays (practically) cover the whole calendar.
HORIZON = timedelta(days=3653)

TimeOfDay = time | timedelta | str
Interval = tuple[timedelta, timedelta]


def parse_time_of_day(value: TimeOfDay, *, end: bool = False) -> timedelta:
	"""Offset from midnight of a Time field value: datetime.time, timedelta (MariaDB) or "HH:MM[:SS[.f]]".

	With end=True, 23:59:59 or later and 00:00:00 both mean midnight at the end of the day (24:00).
	"""
	if isinstance(value, timedelta):
		offset = value
	elif isinstance(value, time):
		offset = timedelta(
			hours=value.hour, minutes=value.minute, seconds=value.second, microseconds=value.microsecond
		)
	elif isinstance(value, str):
		parts = value.strip().split(":")
		if not 2 <= len(parts) <= 3:
			raise ValueError(f"not a time of day: {value!r}")
		try:
			offset = timedelta(
				hours=int(parts[0]), minutes=int(parts[1]), seconds=float(parts[2]) if len(parts) == 3 else 0
			)
		except ValueError:
			raise ValueError(f"not a time of day: {value!r}")
	else:
		raise ValueError(f"not a time of day: {value!r}")
	if not ZERO <= offset <= DAY:
		raise ValueError(f"time of day out of range: {value!r}")
	if end and (offset >= END_OF_DAY_FROM or offset == ZERO):
		return DAY
	return offset


def _as_date(value: date | str) -> date:
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	return date.fromisoformat(value)


def _merge(intervals: list[Interval]) -> tuple[Interval, ...]:
	"""Sorted union: overlapping or touching rows (e.g. duplicated CRM rows) never count twice."""
	merged: list[Interval] = []
	for start, end in sorted(intervals):
		if merged and start <= merged[-1][1]:
			merged[-1] = (merged[-1][0], max(merged[-1][1], end))
		else:
			merged.append((start, end))
	return tuple(merged)


class WorkingHours:
	"""Immutable weekly schedule plus holidays.

	`workdays` maps weekday (0 = Monday) to (start, end) pairs; several pairs per day model breaks.
	An end of 23:59:59 or 00:00:00 means midnight. Weekdays that are missing have no working time.
	"""

	__slots__ = ("_day_total", "_holidays", "_intervals", "_loss_prefix", "_week_total")

	def __init__(
		self,
		workdays: Mapping[int, Iterable[tuple[TimeOfDay, TimeOfDay]]],
		holidays: Iterable[date | str] = (),
	):
		days: list[list[Interval]] = [[] for _ in WEEKDAYS]
		for weekday, spans in workdays.items():
			if weekday not in range(7):
				raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
			for start, end in spans:
				offsets = (parse_time_of_day(start), parse_time_of_day(end, end=True))
				if offsets[1] <= offsets[0]:
					raise ValueError(f"{WEEKDAYS[weekday]}: end {end!r} is not after start {start!r}")
				days[weekday].append(offsets)
		intervals = tuple(_merge(day) for day in days)
		day_total = tuple(sum((end - start for start, end in day), ZERO) for day in intervals)
		# Only holidays on days with working hours change anything; keeping just those, sorted,
		# with a running total of the working time they remove, makes any date range O(log n).
		effective = sorted({d for d in map(_as_date, holidays) if day_total[d.weekday()]})
		loss_prefix = [ZERO]
		for holiday in effective:
			loss_prefix.append(loss_prefix[-1] + day_total[holiday.weekday()])
		object.__setattr__(self, "_intervals", intervals)
		object.__setattr__(self, "_day_total", day_total)
		object.__setattr__(self, "_week_total", sum(day_total, ZERO))
		object.__setattr__(self, "_holidays", tuple(effective))
		object.__setattr__(self, "_loss_prefix", tuple(loss_prefix))

	def __setattr__(self, name, value):
		raise AttributeError("WorkingHours is immutable")

	@classmethod
	def from_rows(cls, rows: Iterable[Mapping], holidays: Iterable[date | str] = ()) -> "WorkingHours":
		"""From CRM Service Level Agreement `working_hours` rows: {workday, start_time, end_time}.

		Rows only need `.get`, so plain dicts and Frappe child documents both work.
		"""
		workdays: dict[int, list[tuple[TimeOfDay, TimeOfDay]]] = {}
		for row in rows:
			name = row.get("workday")
			weekday = _WEEKDAY_INDEX.get(str(name or "").strip().casefold())
			if weekday is None:
				raise ValueError(f"unknown workday: {name!r}")
			workdays.setdefault(weekday, []).append((row.get("start_time"), row.get("end_time")))
		return cls(workdays, holidays)

	@classmethod
	def always(cls, holidays: Iterable[date | str] = ()) -> "WorkingHours":
		"""24/7: every day from 00:00 to midnight."""
		return cls({weekday: [(ZERO, DAY)] for weekday in range(7)}, holidays)

	@property
	def week_total(self) -> timedelta:
		"""Working time in a week without holidays."""
		return self._week_total

	def __eq__(self, other):
		if not isinstance(other, WorkingHours):
			return NotImplemented
		return (self._intervals, self._holidays) == (other._intervals, other._holidays)

	def __hash__(self):
		return hash((self._intervals, self._holidays))

	def __repr__(self):
		days = {
			WEEKDAYS[i][:3]: [(str(s), str(e)) for s, e in day]
			for i, day in enumerate(self._intervals)
			if day
		}
		return f"WorkingHours({days}, holidays={len(self._holidays)})"

	def _is_holiday(self, day: date) -> bool:
		index = bisect_left(self._holidays, day)
		return index < len(self._holidays) and self._holidays[index] == day

	def _holiday_loss(self, first: date, stop: date) -> timedelta:
		"""Working time removed by holidays in [first, stop)."""
		return (
			self._loss_prefix[bisect_left(self._holidays, stop)]
			- self._loss_prefix[bisect_left(self._holidays, first)]
		)

	def _day_intervals(self, day: date) -> tuple[Interval, ...]:
		return () if self._is_holiday(day) else self._intervals[day.weekday()]

	def _day_work(self, day: date, low: timedelta, high: timedelta) -> timedelta:
		"""Working time on `day` between the offsets low and high."""
		total = ZERO
		for start, end in self._day_intervals(day):
			overlap = min(end, high) - max(start, low)
			if overlap > ZERO:
				total += overlap
		return total

	def _whole_days_work(self, first: date, stop: date) -> timedelta:
		"""Working time of the whole days [first, stop)."""
		weeks, rest = divmod((stop - first).days, 7)
		weekday = first.weekday()
		partial = sum((self._day_total[(weekday + i) % 7] for i in range(rest)), ZERO)
		return weeks * self._week_total + partial - self._holiday_loss(first, stop)

	def is_working_time(self, moment: datetime) -> bool:
		offset = moment - datetime.combine(moment.date(), time(), moment.tzinfo)
		return any(start <= offset < end for start, end in self._day_intervals(moment.date()))

	def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
		"""The moment `duration` of working time has elapsed after `start`.

		Outside working hours the clock starts at the next working moment, so a zero duration gives
		that moment. A target landing exactly on the end of an interval is that end (Fri 17:00, not
		Mon 09:00). Raises ValueError when there are no working hours at all or the target lies
		beyond HORIZON (holidays covering the calendar).
		"""
		if duration < ZERO:
			raise ValueError(f"duration must not be negative: {duration!r}")
		if not self._week_total:
			raise ValueError("working hours have no working time on any weekday")
		day = start.date()
		offset = start - datetime.combine(day, time(), start.tzinfo)
		limit = day + HORIZON
		remaining = duration
		while True:
			if day > limit:
				raise ValueError(f"no {duration} of working time within {HORIZON.days} days of {start}")
			if offset == ZERO and remaining > ZERO:
				# Skip whole weeks that end strictly before the target, so the target never lands on
				# a week boundary it should have reached at the end of the previous working interval.
				weeks = (remaining - _TICK) // self._week_total
				if weeks:
					stop = day + timedelta(weeks=weeks)
					remaining -= weeks * self._week_total - self._holiday_loss(day, stop)
					day = stop
					continue
				week = self._whole_days_work(day, day + timedelta(weeks=1))
				if week < remaining:
					remaining -= week
					day += timedelta(weeks=1)
					continue
			for begin, end in self._day_intervals(day):
				if end <= offset:
					continue
				begin = max(begin, offset)
				if remaining <= end - begin:
					return datetime.combine(day, time(), start.tzinfo) + begin + remaining
				remaining -= end - begin
			day += DAY
			offset = ZERO

	def next_working_moment(self, moment: datetime) -> datetime:
		"""`moment` itself when it is working time, else the start of the next working interval."""
		return self.add_working_time(moment, ZERO)

	def working_time_between(self, start: datetime, end: datetime) -> timedelta:
		"""Working time elapsed from `start` to `end`; zero when end <= start."""
		if end <= start:
			return ZERO
		first, last = start.date(), end.date()
		low = start - datetime.combine(first, time(), start.tzinfo)
		high = end - datetime.combine(last, time(), end.tzinfo)
		if first == last:
			return self._day_work(first, low, high)
		return (
			self._day_work(first, low, DAY)
			+ self._whole_days_work(first + DAY, last)
			+ self._day_work(last, ZERO, high)
		)
