import pytest

from crm_order_extension.core import sensitive_id as sid
from crm_order_extension.core.errors import RuleError
from crm_order_extension.core.sensitive_id import EIN, ITIN, SSN


@pytest.mark.parametrize(
	"id_type,value,digits",
	[
		(SSN, "123-45-6789", "123456789"),
		(SSN, " 123 45 6789 ", "123456789"),
		(SSN, "665-01-0001", "665010001"),
		(EIN, "12-3456789", "123456789"),
		(EIN, "01 2345678", "012345678"),
		(EIN, "990000001", "990000001"),
		(ITIN, "912-50-1234", "912501234"),
		(ITIN, "900-99-0000", "900990000"),
		(ITIN, "9-0-0-9-4-1-2-3-4", "900941234"),
	],
)
def test_valid_numbers_are_normalized_to_their_digits(id_type, value, digits):
	assert sid.normalize(id_type, value) == digits


@pytest.mark.parametrize(
	"id_type,value,fragment",
	[
		(SSN, "", "Enter the SSN"),
		(SSN, None, "Enter the SSN"),
		(SSN, "12345678", "9 digits"),
		(SSN, "1234567890", "9 digits"),
		(SSN, "123.45.6789", "9 digits"),
		(SSN, "12345678x", "9 digits"),
		(SSN, "١٢٣٤٥٦٧٨٩", "9 digits"),  # non-ASCII digits
		(SSN, "000-12-3456", "000, 666 or 9"),
		(SSN, "666-12-3456", "000, 666 or 9"),
		(SSN, "900-12-3456", "000, 666 or 9"),
		(SSN, "999-12-3456", "000, 666 or 9"),
		(SSN, "123-00-4567", "cannot be 00"),
		(SSN, "123-45-0000", "0000"),
		(EIN, "00-1234567", "campus prefix"),
		(EIN, "07-1234567", "campus prefix"),
		(EIN, "69-1234567", "campus prefix"),
		(EIN, "96-1234567", "campus prefix"),
		(ITIN, "812-50-1234", "starts with 9"),
		(ITIN, "912-49-1234", "50-65"),
		(ITIN, "912-66-1234", "50-65"),
		(ITIN, "912-89-1234", "50-65"),
		(ITIN, "912-93-1234", "50-65"),
	],
)
def test_invalid_numbers_are_refused_without_echoing_them(id_type, value, fragment):
	with pytest.raises(RuleError) as err:
		sid.normalize(id_type, value)
	assert fragment in str(err.value)
	digits = "".join(ch for ch in (value or "") if ch.isdigit())
	if len(digits) >= 5:
		assert digits not in str(err.value)


def test_ein_prefixes_are_the_published_campus_list():
	valid = {int(p) for p in sid.EIN_PREFIXES}
	invalid = {0, 7, 8, 9, 17, 18, 19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97}
	assert valid | invalid == set(range(100))
	assert not valid & invalid
	assert len(valid) == 83
	for prefix in valid:
		assert sid.normalize(EIN, f"{prefix:02d}1234567")


def test_itin_groups():
	valid = {int(g) for g in sid.ITIN_GROUPS}
	assert valid == set(range(50, 66)) | set(range(70, 89)) | {90, 91, 92} | set(range(94, 100))


def test_unknown_type_is_refused():
	with pytest.raises(RuleError, match="Unknown ID type"):
		sid.normalize("TIN", "123456789")


def test_masks_show_the_last_four_digits_only():
	assert sid.mask(SSN, "123456789") == "***-**-6789"
	assert sid.mask(ITIN, "912501234") == "***-**-1234"
	assert sid.mask(EIN, "123456789") == "**-***6789"


def test_record_key_is_one_per_customer_type_and_entity():
	key = sid.record_key("CUST-1", EIN, "Acme  LLC")
	assert key == sid.record_key(" CUST-1 ", EIN, "acme llc")
	assert key != sid.record_key("CUST-1", EIN, "Acme Inc")
	assert key != sid.record_key("CUST-2", EIN, "Acme LLC")
	assert sid.record_key("CUST-1", EIN) != sid.record_key("CUST-1", SSN)
	# an SSN or ITIN belongs to the person: the entity does not count
	assert sid.record_key("CUST-1", SSN, "anything") == sid.record_key("CUST-1", SSN)
	assert len(key) == 64
	assert sid.normalize_entity(SSN, "Acme") == ""
	assert sid.normalize_entity(EIN, "  Acme   LLC ") == "Acme LLC"
