import pytest

from crm_order_extension.core.customer_match import (
	CONTACT,
	EMAIL,
	EXPLICIT,
	NAME,
	AmbiguousCustomer,
	customers_matching_names,
	normalize_name,
	resolve,
	search_token,
)


def test_normalize_name_trims_casefolds_and_collapses_whitespace():
	assert normalize_name("  ACME\t  Widgets\n Ltd ") == "acme widgets ltd"
	assert normalize_name("Straße") == normalize_name("STRASSE")
	assert normalize_name(None) == ""


def test_first_level_with_exactly_one_customer_wins_and_later_levels_do_not_run():
	calls = []

	def level(name, result):
		def fetch():
			calls.append(name)
			return result

		return (name, fetch)

	resolution = resolve(
		[level(EXPLICIT, []), level(CONTACT, ["CUST-1", "CUST-1", None]), level(EMAIL, ["X"])]
	)
	assert (resolution.customer, resolution.level) == ("CUST-1", CONTACT)
	assert resolution.found
	assert calls == [EXPLICIT, CONTACT]


def test_ambiguous_level_raises_with_all_candidates_and_never_guesses():
	with pytest.raises(AmbiguousCustomer) as err:
		resolve([(EXPLICIT, lambda: []), (EMAIL, lambda: ["A", "B", "A"]), (NAME, lambda: ["C"])])
	assert err.value.level == EMAIL
	assert err.value.candidates == ["A", "B"]


def test_no_level_matches():
	resolution = resolve([(EXPLICIT, lambda: []), (NAME, lambda: [None, ""])])
	assert not resolution.found
	assert resolution.level is None


def test_name_match_is_case_and_whitespace_insensitive():
	customers = [("C1", "Acme  Widgets"), ("C2", "Acme Widgets Ltd"), ("C3", None)]
	assert customers_matching_names([" acme widgets "], customers) == ["C1"]
	assert customers_matching_names(["ACME WIDGETS LTD", "acme widgets"], customers) == ["C1", "C2"]
	assert customers_matching_names(["", None], customers) == []


def test_search_token_is_longest_word_of_each_name():
	assert search_token(["Acme Widgets", " ACME  widgets ", None, "Jo Bo"]) == ["widgets", "jo"]
