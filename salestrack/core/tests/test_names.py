import pytest

from salestrack.core.names import company_key, company_similarity


@pytest.mark.parametrize(
    "name",
    [
        "华信科技有限公司",
        "华信科技（上海）有限公司",
        "华信科技(上海)有限公司",
        "（上海）华信科技有限公司",
        "华信科技股份有限公司",
        "华信科技有限责任公司",
        "华信科技集团有限公司",
        "  华信科技  ",
        "华信科技　有限公司",  # ideographic space
    ],
)
def test_it_reduces_spellings_of_one_company_to_one_key(name):
    assert company_key(name) == "华信科技"


def test_it_folds_full_width_latin_and_digits():
    assert company_key("ＡＢＣ１２３有限公司") == "abc123"


def test_it_strips_english_legal_forms():
    assert company_key("Acme Trading Co., Ltd.") == "acmetrading"
    assert company_key("ACME Corp") == "acme"
    assert company_key("Acme Inc.") == "acme"


def test_it_keeps_different_companies_apart():
    assert company_key("华信科技有限公司") != company_key("华讯科技有限公司")
    assert company_key("东方明珠集团") == "东方明珠"


def test_it_keeps_a_name_that_is_only_a_legal_form():
    assert company_key("有限公司") == "有限公司"
    assert company_key("") == ""
    assert company_key(None) == ""


def test_it_strips_latin_forms_only_as_whole_words():
    assert company_key("Tesco") == "tesco"
    assert company_key("Tesco Co") == "tesco"


def test_similarity_compares_keys():
    assert company_similarity("华信科技有限公司", "华信科技（上海）股份有限公司") == 100
    assert 60 < company_similarity("华信科技有限公司", "华信科技发展有限公司") < 100
    assert company_similarity("华信科技", "东方明珠") == 0
    assert company_similarity("", "华信科技") == 0
