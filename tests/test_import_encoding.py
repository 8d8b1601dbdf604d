"""Byte decoding and legacy Vietnamese encodings (par_dashboard/importing/encoding.py)."""

from __future__ import annotations

import io
import re
import unicodedata

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from par_dashboard.importing.encoding import (
    VIETNAMESE_LETTERS,
    EncodingError,
    decode_bytes,
    detect_legacy,
    encode_cp1258,
    fix_legacy,
    from_tcvn3,
    from_vni,
    is_syllable,
    to_tcvn3,
    to_vni,
)

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------------------------
# The tables


def test_there_are_134_letters():
    assert len(VIETNAMESE_LETTERS) == len(set(VIETNAMESE_LETTERS)) == 134
    assert all(unicodedata.is_normalized("NFC", ch) for ch in VIETNAMESE_LETTERS)


# Byte values as the TCVN 5712:1993 VN3 and VNI-Windows charts give them (read as Windows-1252).
TCVN3_BYTES = {"ư": 0xAD, "đ": 0xAE, "Đ": 0xA7, "ộ": 0xE9, "à": 0xB5, "ă": 0xA8, "Ă": 0xA1, "â": 0xA9, "Â": 0xA2,
               "ê": 0xAA, "Ê": 0xA3, "ô": 0xAB, "Ô": 0xA4, "ơ": 0xAC, "Ơ": 0xA5, "Ư": 0xA6, "ỵ": 0xFE, "ý": 0xFD,
               "ệ": 0xD6, "ị": 0xDE, "ạ": 0xB9, "ử": 0xF6, "ự": 0xF9}
VNI_BYTES = {"ơ": b"\xf4", "ư": b"\xf6", "đ": b"\xf1", "Đ": b"\xd1", "à": b"a\xf8", "á": b"a\xf9", "ả": b"a\xfb",
             "ã": b"a\xf5", "ạ": b"a\xef", "â": b"a\xe2", "ậ": b"a\xe4", "ă": b"a\xea", "ặ": b"a\xeb", "ẵ": b"a\xfc",
             "ỉ": b"\xe6", "ĩ": b"\xf3", "ị": b"\xf2", "ỵ": b"\xee", "ờ": b"\xf4\xf8", "Ộ": b"O\xc4", "Ặ": b"A\xcb"}


@pytest.mark.parametrize(("letter", "byte"), TCVN3_BYTES.items())
def test_tcvn3_codes_follow_the_chart(letter, byte):
    assert to_tcvn3(letter).encode("cp1252") == bytes([byte])


@pytest.mark.parametrize(("letter", "code"), VNI_BYTES.items())
def test_vni_codes_follow_the_chart(letter, code):
    assert to_vni(letter).encode("cp1252") == code


def test_every_letter_round_trips_through_both_tables():
    lower = VIETNAMESE_LETTERS[:67]
    for ch in VIETNAMESE_LETTERS:
        assert from_vni(to_vni(ch)) == ch, ch
        code = to_tcvn3(ch)
        assert len(code) == 1 and not code.isascii(), ch
    # TCVN3 (ABC): each lower-case letter has its own code ...
    assert len({to_tcvn3(ch) for ch in lower}) == 67
    assert all(from_tcvn3(to_tcvn3(ch)) == ch for ch in lower)
    # ... the plain capitals Ă Â Đ Ê Ô Ơ Ư too; a toned capital shares its lower-case letter's code
    for ch in lower.upper():
        if ch in "ĂÂĐÊÔƠƯ":
            assert from_tcvn3(to_tcvn3(ch)) == ch and to_tcvn3(ch) != to_tcvn3(ch.lower())
        else:
            assert to_tcvn3(ch) == to_tcvn3(ch.lower())
            assert from_tcvn3("NG" + to_tcvn3(ch) + "NH") == "NG" + ch + "NH"  # a word in capitals brings it back


# --------------------------------------------------------------------------------------------------------------
# fix_legacy: examples


@pytest.mark.parametrize(("typed", "unicode_text", "encoding"), [
    ("Hµ Néi", "Hà Nội", "TCVN3"),
    ("Haø Noäi", "Hà Nội", "VNI"),
    # from the TCVN3 and VNI converters' own documentation
    ("B¶o Th¾ng", "Bảo Thắng", "TCVN3"),
    ("M\u00adêng Kh\u00ad¬ng", "Mường Khương", "TCVN3"),
    ("B¸t X¸t", "Bát Xát", "TCVN3"),
    ("Xin chaøo caùc baïn", "Xin chào các bạn", "VNI"),
    ("Së Néi vô tØnh L¹ng S¬n", "Sở Nội vụ tỉnh Lạng Sơn", "TCVN3"),
    ("Sôû Noäi vuï tænh Laïng Sôn", "Sở Nội vụ tỉnh Lạng Sơn", "VNI"),
    ("UBND HUYÖN CAO LéC", "UBND HUYỆN CAO LỘC", "TCVN3"),
    ("Hµ NéI", "HÀ NỘI", "TCVN3"),
    ("HAØ NOÄI", "HÀ NỘI", "VNI"),
    ("Tr\u00adêng THCS §¾k Song, 2024: 12,5%", "Trường THCS Đắk Song, 2024: 12,5%", "TCVN3"),
    ("Tyû leä hoà sô ñuùng haïn (%)", "Tỷ lệ hồ sơ đúng hạn (%)", "VNI"),
    ("Tû lÖ hå s¬ ®óng h¹n (%)", "Tỷ lệ hồ sơ đúng hạn (%)", "TCVN3"),
    ("HuyÖn Ia Grai", "Huyện Ia Grai", "TCVN3"),
])
def test_legacy_text_is_converted(typed, unicode_text, encoding):
    assert fix_legacy(typed) == (unicode_text, encoding)


@pytest.mark.parametrize("text", [
    "Hà Nội", "Sở Nội vụ tỉnh Lạng Sơn", "Hoà Bình", "Hóa", "Cà Mau", "Tô Hà", "Mê Linh",
    unicodedata.normalize("NFD", "Huyện Đắk Song"),  # NFD Unicode is Unicode: left to NFC normalisation
    "Château", "français", "Noël à Paris", "naïve café crème", "« Bonjour »", "España", "für Øresund",
    "Administrative procedures", "12,5", "1.234,56", "3 × 4", "10 µg", "© 2024", "§ 3", "", "   ",
])
def test_unicode_and_foreign_text_is_left_alone(text):
    assert fix_legacy(text) == (text, None)


def test_syllable_check():
    for word in ["Nội", "Huyện", "Quý", "Quốc", "gì", "Giữ", "Khuya", "Nguyễn", "Trường", "Krông", "Đắk", "oong", "Hoà"]:
        assert is_syllable(word), word
    for word in ["Chỉteau", "Noởl", "àg", "ằ", "Nộiy", "Haứ", "Hàá", "ptt"]:
        assert not is_syllable(word), word


# --------------------------------------------------------------------------------------------------------------
# fix_legacy: properties

INITIALS = ["", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p", "ph",
            "qu", "r", "s", "t", "th", "tr", "v", "x"]
RHYMES = ("a ai ao au ay âu ây e eo ê êu i ia iu o oi ô ôi ơ ơi u ua ui ư ưa ưi ưu y oa oai oay oe uê uy uya uyu iêu "
          "yêu uôi ươi ươu an ang anh ac ach am ap at ăn ăng ăc ăm ăp ăt ân âng âc âm âp ât en eng ec em ep et ên ênh "
          "êch êm êp êt in inh ich im ip it on ong oc om op ot ôn ông ôc ôm ôp ôt ơn ơm ơp ơt un ung uc um up ut ưn "
          "ưng ưc ưt iên iêng iêc iêm iêp iêt yên yêt uôn uông uôc uôm uôt ươn ương ươc ươm ươp ươt oan oang oanh oac "
          "oach oat oăn oăng oăc oăt oen oet uân uâng uât uyên uyêt uynh uych uyt oong ooc").split()
TONES = ["", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]
VOWELS = set("aăâeêioôơuưy")


@st.composite
def syllables(draw) -> str:
    """A Vietnamese syllable: initial + rhyme, the tone on one of its vowels."""
    initial = draw(st.sampled_from(INITIALS))
    rhyme = draw(st.sampled_from(RHYMES))
    assume(not (initial == "gi" and rhyme[0] in "iy") and not (initial == "qu" and rhyme[0] in "uo"))
    positions = [i for i, ch in enumerate(rhyme) if ch in VOWELS]
    at = draw(st.sampled_from(positions))
    toned = rhyme[:at + 1] + draw(st.sampled_from(TONES)) + rhyme[at + 1:]
    return unicodedata.normalize("NFC", initial + toned)


@st.composite
def vietnamese_texts(draw) -> str:
    """Words (lower or capitalised, or the whole text in capitals) and numbers, separated by spaces."""
    words = draw(st.lists(st.one_of(syllables(), st.integers(0, 10_000).map(str)), min_size=1, max_size=8))
    case = draw(st.sampled_from(["lower", "title", "upper"]))
    if case == "title":
        words = [w.capitalize() if draw(st.booleans()) else w for w in words]
    text = " ".join(words)
    return text.upper() if case == "upper" else text


# Letters whose codes are legacy-specific in both encodings (detection needs some), e.g. ạ = "¹" / "aï".
LATIN1_VIETNAMESE = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
DETECTABLE = {ch for ch in VIETNAMESE_LETTERS
              if not set(to_tcvn3(ch)) <= LATIN1_VIETNAMESE and not set(to_vni(ch)) - set("aeiouyAEIOUY") <= LATIN1_VIETNAMESE}


def detectable(text: str) -> bool:
    """Long enough to tell: a word holds a letter with legacy-specific codes and a plain letter beside it."""
    return any(any(ch in DETECTABLE for ch in w) and any(ch.isascii() and ch.isalpha() for ch in w) for w in text.split())


def tcvn3_representable(text: str) -> bool:
    """TCVN3 has no codes for toned capitals: a word in capitals shows them by its other capitals (HUYỆN),
    and a capitalised word must not start with one (see the encoding module docstring)."""
    words = text.split()
    if text.isupper():
        return any(any(ch.isascii() or ch in "ĂÂĐÊÔƠƯ" for ch in w[1:] if ch.isalpha()) for w in words)
    return all(not w[:1].isupper() or w[0].isascii() or w[0] in "ĂÂĐÊÔƠƯ" for w in words)


def reads_as_vietnamese(text: str) -> bool:
    return all(is_syllable(w) for w in re.findall(r"[^\W\d_]+", text) if not w.isascii())


@PROPERTY
@given(vietnamese_texts().filter(detectable))
def test_vni_round_trip(text):
    typed = to_vni(text)
    if reads_as_vietnamese(from_tcvn3(typed)):  # "öa" is VNI "ưa" and TCVN3 "ửa": no guess
        assert fix_legacy(typed) in [(text, "VNI"), (typed, None)]
    else:
        assert fix_legacy(typed) == (text, "VNI")


@PROPERTY
@given(vietnamese_texts().filter(detectable).filter(tcvn3_representable))
@example("oõng oọng")  # found by hypothesis: TCVN3 "oâng oäng" is also VNI "ông ộng"; it had been guessed VNI
def test_tcvn3_round_trip(text):
    typed = to_tcvn3(text)
    if reads_as_vietnamese(from_vni(typed)):
        assert fix_legacy(typed) in [(text, "TCVN3"), (typed, None)]
    else:
        assert fix_legacy(typed) == (text, "TCVN3")


def test_equally_good_readings_are_not_guessed():
    assert fix_legacy("öa") == ("öa", None)  # VNI "ưa" or TCVN3 "ửa"
    assert fix_legacy("Tröôøng öa") == ("Trường ưa", "VNI")  # the other word settles it
    # or the rest of the column does
    column = ["Tröôøng", "öa", "Laïng Sôn", "12,5"]
    assert detect_legacy(column) == "VNI"
    assert [fix_legacy(cell, "VNI")[0] for cell in column] == ["Trường", "ưa", "Lạng Sơn", "12,5"]
    assert detect_legacy(["Hà Nội", "Lạng Sơn"]) is None
    assert fix_legacy("Hµ Néi", "VNI") == ("Hµ Néi", None)  # the given encoding must still fit


@PROPERTY
@given(vietnamese_texts())
def test_unicode_vietnamese_is_never_converted(text):
    assert fix_legacy(text) == (text, None)
    assert fix_legacy(unicodedata.normalize("NFD", text))[1] is None


@PROPERTY
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40))
def test_ascii_is_never_converted(text):
    assert fix_legacy(text) == (text, None)


# --------------------------------------------------------------------------------------------------------------
# decode_bytes

SAMPLE = "Tỉnh;Huyện;Tỷ lệ (%)\nLạng Sơn;Cao Lộc;99,8\nĐắk Nông;Đắk Song;87,5\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (SAMPLE.encode("utf-8"), "utf-8"),
    (SAMPLE.encode("utf-8-sig"), "utf-8-sig"),
    (SAMPLE.encode("utf-16"), "utf-16-le"),  # Python writes its platform's byte order with a BOM
    (b"\xfe\xff" + SAMPLE.encode("utf-16-be"), "utf-16-be"),
    (SAMPLE.encode("utf-16-le"), "utf-16-le"),  # no BOM: recognised by the NUL bytes
    (SAMPLE.encode("utf-16-be"), "utf-16-be"),
    (SAMPLE.encode("utf-32"), "utf-32-le"),
])
def test_unicode_files(data, encoding):
    decoded = decode_bytes(data)
    assert (decoded.text, decoded.encoding, decoded.notices) == (SAMPLE, encoding, [])


def test_windows_1258_is_decoded_and_normalised():
    data = encode_cp1258(SAMPLE)
    assert b"\xf4\xf2" in data  # "ộ" is written "ô" + combining dot below
    decoded = decode_bytes(data)
    assert decoded.text == SAMPLE and decoded.encoding == "cp1258"
    assert len(decoded.notices) == 1 and "Windows-1258" in decoded.notices[0].message_vi
    assert "Windows-1258" in decoded.notices[0].message_en


def test_nfd_utf8_is_normalised_with_a_notice():
    decoded = decode_bytes(unicodedata.normalize("NFD", SAMPLE).encode("utf-8"))
    assert decoded.text == SAMPLE and decoded.encoding == "utf-8"
    assert [n.message_en for n in decoded.notices] == [
        "The text used combining diacritics (Unicode NFD); normalised to precomposed form (NFC)."]


@pytest.mark.parametrize(("convert", "name"), [(to_tcvn3, "TCVN3"), (to_vni, "VNI")])
def test_legacy_font_bytes_are_repaired(convert, name):
    decoded = decode_bytes(convert(SAMPLE).encode("cp1252"))
    assert decoded.text == SAMPLE and decoded.encoding == name
    assert name in decoded.notices[0].message_vi and name in decoded.notices[0].message_en


def test_binary_files_are_refused():
    book = openpyxl.Workbook()
    book.active["A1"] = "Hà Nội"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(EncodingError) as err:
        decode_bytes(buffer.getvalue())
    assert "CSV" in err.value.message_vi and "CSV" in err.value.message_en


def test_a_bom_with_the_wrong_content_is_refused():
    with pytest.raises(EncodingError, match="UTF-8-SIG"):
        decode_bytes(b"\xef\xbb\xbfH\xe0 N\xf4i")


def test_empty_file():
    assert decode_bytes(b"").text == ""


@PROPERTY
@given(vietnamese_texts(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
       st.sampled_from([" ", "\n", ";", ", "]))
def test_decode_round_trip(text, encoding, separator):
    text = separator.join(text.split(" "))
    data = encode_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    assert decode_bytes(data).text == text
