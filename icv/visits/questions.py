"""What a visit report asks (domain.md sections 2 and 6a), as data the forms, pages,
snapshots and exports share. The flag schemas live in icv/flags.py."""
from ..flags import Question

VISIT_TYPES = [
    ("routine", "Routine unannounced visit"),
    ("follow_up", "Follow-up visit"),
    ("tact", "Terrorism Act (TACT) visit"),
    ("extended_observation", "Extended or observational visit"),
]

# (name, label, hint) of the counts that break down "in custody"; each is at most in_custody.
GROUP_COUNTS = [
    ("children", "Children (under 18)", ""),
    ("women", "Women and girls", ""),
    ("aa_required", "Needing an appropriate adult", ""),
    ("vulnerable_adults", "Vulnerable adults", ""),
    ("interpreter_needed", "Needing an interpreter", ""),
    ("at_hospital", "At hospital", "Still on the suite's list but away at hospital"),
]
# These four add up to the number in custody.
OUTCOME_COUNTS = [
    ("spoke_with", "Spoke with"),
    ("observed_only", "Observed only (not spoken with)"),
    ("declined", "Declined to speak with you"),
    ("not_seen", "Not seen"),
]
NOT_SEEN_REASONS = [
    ("asleep", "Asleep, not woken on staff advice"),
    ("interview", "In interview"),
    ("with_professional", "With a solicitor, appropriate adult or healthcare professional"),
    ("booking_or_release", "Being booked in or released"),
    ("risk_advice", "Staff advised against it for safety"),
    ("unfit", "Intoxicated or unfit"),
    ("access_refused", "Access refused by an inspector"),
    ("other", "Another reason"),
]

FACILITY_ITEMS = [
    ("cells", "Cells: clean, no ligature points"),
    ("toilets", "Toilets and privacy screening"),
    ("showers", "Showers and washing"),
    ("medical_room", "Medical room"),
    ("kitchen_food_stock", "Kitchen and food stocks"),
    ("clothing_stock", "Replacement clothing"),
    ("hygiene_and_menstrual_stock", "Hygiene packs and menstrual products"),
    ("reading_material", "Reading material"),
    ("religious_items", "Religious items"),
    ("cctv", "CCTV working"),
    ("call_bells", "Cell call bells working"),
    ("exercise_yard", "Exercise yard"),
    ("fire_safety", "Fire safety equipment"),
    ("juvenile_room", "Juvenile detention room"),
    ("temperature_ventilation", "Temperature and ventilation"),
]
FACILITY_STATUSES = [("ok", "OK"), ("concern", "Concern"), ("not_checked", "Not checked")]

ISSUE_CATEGORIES = [
    ("rights", "Rights and entitlements"),
    ("legal_advice", "Legal advice"),
    ("appropriate_adult", "Appropriate adult"),
    ("health", "Health and medication"),
    ("food_drink", "Food and drink"),
    ("cell_conditions", "Cell conditions"),
    ("treatment", "Treatment by staff"),
    ("facilities", "Facilities"),
    ("access", "Access for visitors"),
    ("other", "Something else"),
]
RESOLVED = [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]

CONSENT = [
    ("yes", "Yes, spoke with us"),
    ("declined", "Declined to speak with us"),
    ("observed_only", "Observed only (not spoken with)"),
]
APPEARS_UNDER_18 = [("yes", "Yes"), ("no", "No"), ("not_sure", "Not sure")]

_YN = [("yes", "Yes"), ("no", "No"), ("not_asked", "Not asked")]
_YN_NA = _YN + [("not_applicable", "Does not apply")]

# The detainee's appropriate adult: asked once, of a child (always), of anyone strip searched and
# of anyone who spoke with the visitors (it says whether an adult is vulnerable). Kept among the
# checks (stored as checks["aa"]); the child and strip search flags take their answers from it
# (icv/flags.py FROM_VISIT_AA).
AA = Question("aa", "Appropriate adult", [
    ("not_needed", "Not needed (an adult who is not vulnerable)"), ("present", "Needed and present"),
    ("waiting", "Needed, called, not arrived yet"), ("not_called", "Needed, not called"),
    ("not_asked", "Not known")],
    hint="Needed for a child or a vulnerable adult")

# Rights, entitlements and welfare for a detainee who spoke with the visitors. Optional:
# an unanswered check is "not recorded", not an error.
CHECKS = [
    Question("told_rights", "Told their rights?", _YN),
    Question("written_notice", "Given the written notice of rights?", _YN),
    Question("legal_advice", "Legal advice", [
        ("not_wanted", "Did not want it"), ("requested_waiting", "Asked for it, still waiting"),
        ("received", "Received it"), ("refused_by_police", "Refused by the police"),
        ("not_asked", "Not asked")]),
    Question("someone_informed", "Someone told of the arrest", [
        ("not_wanted", "Did not want anyone told"), ("done", "Done"),
        ("waiting", "Waiting"), ("delayed", "Delayed by the police"), ("not_asked", "Not asked")]),
    Question("interpreter", "Interpreter needed and provided?", [
        ("not_needed", "Not needed"), ("provided", "Needed and provided"),
        ("not_provided", "Needed, not provided"), ("not_asked", "Not asked")]),
    AA,
    Question("health_concern", "Any health or mental health concern?", _YN),
    Question("hcp_seen", "Seen by a healthcare professional if needed?", [
        ("not_needed", "Not needed"), ("seen", "Seen"), ("waiting", "Asked, waiting"),
        ("not_seen", "Needed, not seen"), ("not_asked", "Not asked")]),
    Question("medication", "Getting the medication they need?", [
        ("not_needed", "Needs none"), ("yes", "Yes"), ("no", "No"), ("not_asked", "Not asked")]),
    Question("mental_health", "Mental health concern referred (liaison and diversion, or a nurse)?", [
        ("not_needed", "No concern"), ("referred", "Referred or seen"),
        ("not_referred", "Concern, not referred"), ("not_asked", "Not asked")]),
    Question("food_offered", "Offered food?", _YN),
    Question("drink_offered", "Offered drinks?", _YN),
    Question("blanket_mattress", "Has a blanket and mattress?", _YN),
    Question("cell_ok", "Cell warm, clean, toilet working?", _YN),
    Question("wash_offered", "Offered a wash or shower?", _YN_NA),
    Question("menstrual_products", "Offered menstrual products?", _YN_NA),
    Question("female_staff", "Offered to speak privately with a female officer?", _YN_NA),
    Question("complaint", "Wants to complain about their treatment?", _YN),
]
