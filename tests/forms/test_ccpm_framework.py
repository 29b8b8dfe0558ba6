"""The CCPM framework file: functions in report order, both numberings, sub-functions from the domain note."""

import pytest

from forms.ccpm import FrameworkError, load_framework, parse_framework


def test_seven_functions_in_report_order_with_iasc_numbers():
    framework = load_framework()
    assert [f.number for f in framework.functions] == [1, 2, 3, 4, 5, 6, 7]
    assert {f.number: f.iasc_number for f in framework.functions} == {1: 1, 2: 2, 3: 3, 4: 6, 5: 4, 6: 5, 7: 7}
    assert framework.function(4).name() == "Advocacy"
    assert framework.function(4).name("fr") == "Plaidoyer"


def test_subfunctions_match_the_domain_note():
    codes = [s.code for s in load_framework().subfunctions]
    assert codes == ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "4.1", "4.2", "5.1", "6.1", "7.1"]


def test_each_subfunction_has_two_to_four_named_indicators_in_both_languages():
    for sub in load_framework().subfunctions:
        assert 2 <= len(sub.indicators) <= 4, sub.code
        for ind in sub.indicators:
            assert ind.names["en"] and ind.names["fr"], ind.code
            assert ind.code.startswith(sub.code + ".") and ind.function == int(sub.code.split(".")[0])


def test_confirmed_indicator_examples_are_present():
    framework = load_framework()
    assert framework.indicator("1.1.2").name() == "Meetings held often enough"
    assert framework.indicator("1.2.1").name() == "3W/5W mapping kept up to date"
    assert framework.indicator("5.1.6").subfunction == "5.1"
    assert framework.indicator("7.1.2").name() == "Complaint mechanisms agreed and used"


def test_unknown_code_names_the_code():
    with pytest.raises(KeyError, match="9.9.9"):
        load_framework().indicator("9.9.9")


def test_indicator_under_the_wrong_subfunction_is_rejected():
    data = {"functions": [{"number": 1, "name": {"en": "F"}, "subfunctions": [
        {"code": "1.1", "name": {"en": "S"}, "indicators": [{"code": "1.2.1", "name": {"en": "I"}}]}]}]}
    with pytest.raises(FrameworkError, match="1.2.1"):
        parse_framework(data)
