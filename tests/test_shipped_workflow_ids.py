"""The shipped workflow holds exactly the items of the clinical content specification.

The list below is the reference: every non-RESULT item id of clinical-content.md §2-§11,
typed out in spec order, with the changes of clinical-review.md (version 2: section I
follows section B, section J holds clinical items only, and the items marked below are
added). RESULT items (sa_res_*, peu_res_*) are not shipped yet.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from app.catalog.loader import check_workflow_file, load_workflow_file

WORKFLOW_FILE = Path(__file__).resolve().parents[1] / "workflows" / "retrograde_ejaculation.toml"

EXPECTED_ITEM_IDS: list[str] = [
    # A. Visit header
    "visit_date",
    "visit_clinician",
    "visit_main_complaint",
    # B1. Presenting complaints
    "hx_sx_low_volume",
    "hx_sx_dry_orgasm",
    "hx_sx_cloudy_urine",
    "hx_sx_volume_estimate",
    "hx_sx_semen_leakage",
    "hx_sx_infertility",
    "hx_sx_painful_ejac",
    "hx_sx_hematospermia",
    "hx_sx_urinary",
    "hx_sx_discharge",
    "hx_sx_pain_groin_back",
    "hx_sx_fever",
    "hx_sx_distress",
    # B2. Onset and course
    "hx_onset_date",
    "hx_onset_pattern",
    "hx_onset_context",
    "hx_course",
    "hx_situations",
    "hx_nocturnal_emissions",
    "hx_prior_workup",
    # B3. Pharmacological factors
    "hx_med_list",
    "hx_med_alpha_blocker",
    "hx_med_antihypertensive",
    "hx_med_antidepressant",
    "hx_med_antipsychotic",
    "hx_med_mood_stabiliser",
    "hx_med_5ari",  # added in version 2 (clinical review)
    "hx_med_opioid",  # added in version 2 (clinical review)
    "hx_med_other",
    "hx_med_temporal_link",
    # B4. Neurogenic factors
    "hx_neuro_sci",
    "hx_neuro_cauda_equina",
    "hx_neuro_ms",
    "hx_neuro_parkinson",
    "hx_neuro_neuropathy",
    "hx_neuro_cns_infl",
    "hx_neuro_brain_tumour",
    "hx_neuro_degenerative",
    "hx_neuro_gbs",
    "hx_neuro_head_injury",  # added in version 2 (clinical review)
    "hx_neuro_back_injury",
    "hx_neuro_nutritional",
    # B5. Anatomical / surgical factors
    "hx_surg_turp",
    "hx_surg_bladder_neck",
    "hx_surg_prostate_other",
    "hx_surg_testicular",
    "hx_surg_rplnd",
    "hx_surg_aortoiliac",
    "hx_surg_colorectal",
    "hx_surg_sympathectomy",
    "hx_surg_urethral",
    "hx_surg_other_pelvic",
    "hx_surg_details",
    "hx_pelvic_radiotherapy",
    "hx_trauma_genital",
    "hx_trauma_pelvic_fracture",
    "hx_urethral_stricture",
    "hx_congenital_gu",
    # B6. Metabolic, endocrine and other medical factors
    "hx_diabetes",
    "hx_diabetes_years",
    "hx_endocrine",
    "hx_malignancy",
    "hx_prostatitis",
    "hx_pelvic_circulation",
    # B7. Lifestyle and substances
    "hx_alcohol",
    "hx_drugs",
    "hx_ejac_withholding",
    "hx_stress",
    "hx_lifestyle_other",
    # B8. Idiopathic group
    "hx_no_factor_identified",
    # B9. Sexual function
    "sx_orgasm",
    "sx_erection",
    "sx_premature_ejac",
    "sx_delayed_ejac",
    "sx_libido",
    "sx_notes",
    # B10. Fertility intent and partner
    "fert_wish",
    "fert_trying_months",
    "fert_prior_pregnancy",
    "fert_partner_age",
    "fert_partner_evaluated",
    "fert_prior_art",
    # I. Semen leakage
    "leak_when",
    "leak_frequency",
    "leak_after_abstinence",
    "leak_new_medicine",
    "leak_notes",
    # C. Physical examination
    "ex_genital_done",
    "ex_penis_meatus",
    "ex_testis_vol_right",
    "ex_testis_vol_left",
    "ex_testis_notes",
    "ex_vas",
    "ex_epididymis",
    "ex_varicocele",
    "ex_secondary_sex",
    "ex_dre_done",
    "ex_prostate_findings",
    "ex_neuro_done",
    "ex_bulbocavernosus",
    "ex_anal_tone",
    "ex_perineal_sensation",
    "ex_neuro_notes",
    # D. Laboratory tests
    "lab_cbc",
    "lab_urinalysis",
    "lab_urine_culture",
    "lab_glucose_fasting",
    "lab_hba1c",
    "lab_psa",
    "lab_testosterone",
    "lab_lh",
    "lab_fsh",
    "lab_prolactin",
    "lab_shbg",
    "lab_other",
    "lab_sti_pcr",  # added in version 2 (clinical review)
    "lab_prostatic_secretion",  # added in version 2 (clinical review)
    "lab_semen_culture",  # added in version 2 (clinical review)
    # E1. Semen analysis: order and order details
    "sa_order",
    "sa_scope",
    "sa_extended",
    "sa_pellet_if_none",
    "sa_collection_site",
    "sa_repeat_planned",
    # E2. Semen analysis: collection record
    "sa_abstinence_days",
    "sa_collection_datetime",
    "sa_collection_method",
    "sa_complete",
    "sa_minutes_to_analysis",
    # F. Post-ejaculatory urine
    "peu_order",
    "peu_purpose",
    "peu_same_visit_sa",
    "peu_pre_void",
    "peu_alkalinisation",
    "peu_alkalinisation_details",
    "peu_lab_tests",
    # G. Optional instrumental investigations
    "inst_us_pelvic",
    "inst_us_scrotal",  # added in version 2 (clinical review)
    "inst_uroflowmetry",  # added in version 2 (clinical review)
    "inst_pvr",  # added in version 2 (clinical review)
    "inst_trus",
    "inst_trus_dynamic",
    "inst_emg",
    "inst_eng",
    "inst_neurophys_other",
    "inst_urethroscopy",
    "inst_other",
    # H. Referrals
    "ref_proctology",
    "ref_oncology",
    "ref_neurology",
    "ref_endocrinology",
    "ref_psych",
    "ref_art",
    "ref_prescriber",
    "ref_other",
    # J. Notes and follow-up
    "note_clinician",
    "note_order_reason",
    "follow_up_date",  # added in version 2 (clinical review)
]

# item id -> the codes (code values, in any order) it must carry, per spec §14.2.
EXPECTED_CODES: dict[str, set[str]] = {
    "lab_cbc": {"58410-2"},
    "lab_urinalysis": {"24356-8"},
    "lab_urine_culture": {"630-4"},
    "lab_glucose_fasting": {"14771-0"},
    "lab_hba1c": {"4548-4"},
    "lab_psa": {"2857-1", "63476009"},
    "lab_testosterone": {"14913-8"},
    "lab_lh": {"10501-5"},
    "lab_fsh": {"15067-2"},
    "lab_prolactin": {"2842-3"},
    "lab_shbg": {"13967-5"},
    "sa_abstinence_days": {"10587-4"},
    "sa_collection_datetime": {"13358-7"},
    "sa_collection_method": {"34696-5"},
    "peu_order": {"8248-7"},
    "inst_trus": {"22034001", "24884-9"},
    "inst_us_pelvic": {"24848001", "1381843006"},
    "inst_us_scrotal": {"1220587009"},
    "ex_dre_done": {"410006001"},
}


def _as_dict(value: object) -> dict[str, Any]:
    assert isinstance(value, dict), value
    return value


def _as_list(value: object) -> list[Any]:
    assert isinstance(value, list), value
    return value


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    with WORKFLOW_FILE.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def items(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _as_dict(item)
        for section in _as_list(document["sections"])
        for item in _as_list(_as_dict(section).get("items", []))
    ]


def test_reference_list_has_no_duplicates() -> None:
    assert len(EXPECTED_ITEM_IDS) == len(set(EXPECTED_ITEM_IDS)) == 161


def test_item_ids_match_the_specification_in_order(items: list[dict[str, Any]]) -> None:
    assert [item["id"] for item in items] == EXPECTED_ITEM_IDS


def test_no_result_items_are_shipped(items: list[dict[str, Any]]) -> None:
    assert [item["id"] for item in items if item.get("role") == "result"] == []


def test_every_item_has_english_and_russian_labels(items: list[dict[str, Any]]) -> None:
    for item in items:
        label = _as_dict(item.get("label"))
        for language in ("en", "ru"):
            text = label.get(language)
            assert isinstance(text, str), (item["id"], language)
            assert text.strip(), (item["id"], language)


def test_every_order_has_declared_instructions(
    document: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    declared = _as_dict(document.get("instructions", {}))
    orders = [item for item in items if item.get("role") == "order"]
    assert len(orders) == 35
    for item in orders:
        value = item.get("instructions")
        keys = [value] if isinstance(value, str) else [c["key"] for c in _as_list(value)]
        assert keys, item["id"]
        for key in keys:
            assert key in declared, (item["id"], key)
    for key, entry in declared.items():
        blocks = _as_dict(entry).get("blocks", [entry])
        for block in _as_list(blocks):
            for language in ("en", "ru"):
                text = _as_dict(block).get(language)
                assert isinstance(text, str), (key, language)
                assert text.strip(), (key, language)


def test_referenced_option_lists_and_codes_exist(
    document: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    lists = _as_dict(document.get("lists", {}))
    codes = _as_dict(document.get("codes", {}))
    for item in items:
        if item["kind"] in ("single", "multi"):
            assert item.get("options") in lists, item["id"]
        for key in _as_list(item.get("codes", [])):
            assert key in codes, (item["id"], key)


def test_codes_of_coded_items(document: dict[str, Any], items: list[dict[str, Any]]) -> None:
    codes = _as_dict(document.get("codes", {}))
    actual: dict[str, set[str]] = {}
    for item in items:
        keys = _as_list(item.get("codes", []))
        if keys:
            actual[item["id"]] = {_as_dict(codes[key])["code"] for key in keys}
    assert actual == EXPECTED_CODES


def test_loads_through_the_catalog_without_problems_or_warnings() -> None:
    result = check_workflow_file(WORKFLOW_FILE)
    assert [str(problem) for problem in result.problems] == []
    assert [str(warning) for warning in result.warnings] == []
    workflow = load_workflow_file(WORKFLOW_FILE)
    assert workflow.id == "retrograde_ejaculation"
    assert [item.id for item in workflow.items()] == EXPECTED_ITEM_IDS
    assert {
        item.id: {code.code for code in item.codes} for item in workflow.items() if item.codes
    } == EXPECTED_CODES
