"""The pipeline every new installation starts with (used by the data migration and tests)."""

OPEN, WON, LOST = "open", "won", "lost"

# (name, name_en, kind, probability, rot_days, colour, exit requirements)
DEFAULT_STAGES = [
    ("线索", "Lead", OPEN, 10, 7, "#94a3b8", []),
    ("需求确认", "Needs confirmed", OPEN, 20, 7, "#60a5fa", ["confirmed_requirements"]),
    ("方案报价", "Proposal / quote", OPEN, 30, 10, "#818cf8", ["quote_amount"]),
    ("商务谈判", "Negotiation", OPEN, 50, 10, "#f59e0b", ["decision_maker"]),
    ("合同签订", "Contract", OPEN, 80, 14, "#10b981", ["contract_number"]),
    ("回款", "Payment", OPEN, 90, 30, "#14b8a6", ["payment_received"]),
    ("赢单", "Won", WON, 100, 7, "#16a34a", []),
    ("输单", "Lost", LOST, 0, 7, "#ef4444", []),
]
DEFAULT_PIPELINE = ("标准销售流程", "Standard sales")
