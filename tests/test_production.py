from crm_order_extension.core.production import (
	DEFAULTS,
	INDICATOR_COLORS,
	STAGE_OPTIONS,
	indicator_color,
	stage_values,
)


def test_defaults_without_work_order():
	assert stage_values(None) == {
		"ops_status": "PENDING",
		"material_status": "PENDING",
		"production_status": "PENDING",
		"qa_status": "AWAITING",
	}


def test_stage_values_come_from_work_order_custom_fields():
	wo = {
		"custom_ops_status": "APPROVED",
		"custom_ingredients_status": "OUT_OF_STOCK",
		"custom_production_status": "IN_PROGRESS",
		"custom_qa_status": "REJECTED",
		"status": "Not Started",
	}
	assert stage_values(wo) == {
		"ops_status": "APPROVED",
		"material_status": "OUT_OF_STOCK",
		"production_status": "IN_PROGRESS",
		"qa_status": "REJECTED",
	}


def test_unknown_values_fall_back_to_defaults():
	wo = {"custom_ops_status": "maybe", "custom_ingredients_status": None, "custom_qa_status": ""}
	assert stage_values(wo) == DEFAULTS


def test_production_follows_work_order_status_only_while_stage_is_default():
	assert stage_values({"status": "Completed"})["production_status"] == "DONE"
	assert stage_values({"status": "In Process"})["production_status"] == "IN_PROGRESS"
	assert (
		stage_values({"status": "Completed", "custom_production_status": "IN_PROGRESS"})["production_status"]
		== "IN_PROGRESS"
	)


def test_every_stage_value_has_a_colour():
	values = {v for options in STAGE_OPTIONS.values() for v in options}
	assert values <= set(INDICATOR_COLORS)
	assert indicator_color("DONE") == "green"
	assert indicator_color("IN_PROGRESS") == "blue"
	assert indicator_color("ORDERED") == "yellow"
	assert indicator_color("BLOCKED") == "red"
	assert indicator_color(None) == "gray"
