"""omission.v1: an output written to the patient ("Dear Mrs Okafor", "Thank you for coming to
clinic") need not restate the input's list of diagnoses; leaving one out is graded 2 (check),
not 3, while a summary for a clinician that drops it is still graded 3 (session 20, helper J).
"""

from __future__ import annotations

from medfact.testing import run_rule

CLINIC_LETTER = (
    "CARDIOLOGY CLINIC LETTER\n"
    "Dear Dr Lindqvist,\n"
    "Re: Mrs Grace Okafor, 71\n"
    "Diagnoses: heart failure with reduced ejection fraction; atrial fibrillation; "
    "type 2 diabetes.\n"
    "Today: BP 128/74, pulse 72 irregular. Weight 68 kg, down 2 kg.\n"
    "Plan:\n"
    "1. Increase bisoprolol from 2.5 mg to 5 mg OD.\n"
    "2. Continue apixaban 5 mg BD.\n"
    "3. Review in 6 weeks with bloods.\n"
)

TO_PATIENT = (
    "Dear Mrs Okafor,\n"
    "Thank you for coming to the heart clinic. Your blood pressure was 128/74 and your weight "
    "has come down by 2 kg to 68 kg.\n"
    "What we agreed:\n"
    "- Bisoprolol goes up from 2.5 mg to 5 mg once a day.\n"
    "- Keep taking apixaban 5 mg twice a day.\n"
    "- We will see you again in 6 weeks with a blood test."
)

TO_CLINICIAN = (
    "Dear Dr Lindqvist,\n"
    "Mrs Okafor (71) reviewed: BP 128/74, weight 68 kg (down 2 kg). Bisoprolol increased from "
    "2.5 mg to 5 mg OD; apixaban 5 mg BD continued. Review in 6 weeks with bloods."
)


def _diagnosis_risks(output: str) -> list[int]:
    return [
        int(f.risk)
        for f in run_rule("omission.v1", output, CLINIC_LETTER)
        if f.message.startswith("diagnosis:")
    ]


def test_a_letter_to_the_patient_leaving_out_the_diagnoses_is_a_check() -> None:
    risks = _diagnosis_risks(TO_PATIENT)
    assert risks and max(risks) == 2


def test_a_second_person_opening_is_written_to_the_patient() -> None:
    risks = _diagnosis_risks(TO_PATIENT.split("\n", 1)[1])
    assert risks and max(risks) == 2


def test_a_letter_to_a_clinician_leaving_out_the_diagnoses_is_still_graded_3() -> None:
    assert max(_diagnosis_risks(TO_CLINICIAN)) == 3
