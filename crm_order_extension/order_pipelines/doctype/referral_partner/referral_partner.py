# Copyright (c) 2026, CRM Order Extension contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ReferralPartner(Document):
	"""Rules: core.referral and core.commission (codes); Frappe side: pipelines.referral_partners.
	The totals are virtual fields, read from the Commission Ledger when the record is loaded."""

	def validate(self):
		from crm_order_extension.pipelines.referral_partners import validate_partner

		validate_partner(self)

	def on_update(self):
		from crm_order_extension.pipelines.referral_partners import grant_partner_role

		grant_partner_role(self)

	def _totals(self) -> tuple[int, float]:
		from crm_order_extension.pipelines.referral_partners import partner_totals

		# one query for both fields of one load
		if getattr(self, "_partner_totals", None) is None:
			self._partner_totals = partner_totals(self.name) if self.name and not self.is_new() else (0, 0.0)
		return self._partner_totals

	@property
	def total_referrals(self) -> int:
		return self._totals()[0]

	@property
	def total_paid(self) -> float:
		return self._totals()[1]
