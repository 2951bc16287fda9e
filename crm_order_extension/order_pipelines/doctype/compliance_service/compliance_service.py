# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from crm_order_extension.pipelines.order import PipelineOrder


class ComplianceService(PipelineOrder):
	"""Rules live in crm_order_extension.core (formation, pipeline); see pipelines/order.py."""
