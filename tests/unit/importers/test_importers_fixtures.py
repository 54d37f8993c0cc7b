"""Every fixture in tests/fixtures/contacts parses to the contacts a person would expect."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sharewell.importers import ContactFormat, ParsedContact, ParseResult, TypedValue, parse
from sharewell.importers.linkedin import HIDDEN_MEMBER_REASON

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "contacts"


def load(name: str) -> ParseResult:
    return parse((FIXTURES / name).read_bytes(), filename=name)


def by_name(result: ParseResult) -> dict[str, ParsedContact]:
    return {c.full_name: c for c in result.contacts}


def test_linkedin_with_notes_preamble_bom_crlf_and_non_latin_names() -> None:
    result = load("linkedin_notes_preamble.csv")
    assert result.format is ContactFormat.LINKEDIN
    assert [c.full_name for c in result.contacts] == [
        "Jane Doe",
        "Omar Haddad",
        "Li Wei",
        "伟 王",
        "محمد الأحمد",
        "Анна Петрова",
        "प्रिया शर्मा",
        "Zoë Ünal-Núñez",
        "Maria Garcia",
    ]
    # Line numbers count the preamble, the quoted multi-line notes and the multi-line cell.
    assert [c.source_line for c in result.contacts] == [6, 7, 8, 10, 11, 12, 13, 14, 17]
    people = by_name(result)
    jane = people["Jane Doe"]
    assert jane.given_name == "Jane" and jane.family_name == "Doe"
    assert jane.emails == []  # most rows have no email since 2018
    assert jane.company == "Acme Corp" and jane.title == "Staff Data Engineer"
    assert jane.linkedin_url == "https://www.linkedin.com/in/jane-doe-4b2a1c"
    assert jane.connected_on == date(2026, 11, 25)
    omar = people["Omar Haddad"]
    assert omar.emails == [TypedValue("omar.haddad@example.com")]
    assert omar.company == "Globex, Inc."
    assert omar.connected_on == date(2018, 1, 8)
    # Quoted quotes and a line break inside a one-line field.
    assert people["Li Wei"].title == 'Head of "Growth" EMEA'
    assert people["Анна Петрова"].company == "Яндекс"
    assert people["प्रिया शर्मा"].title == "प्रबंधक"
    assert people["Zoë Ünal-Núñez"].emails == [TypedValue("zoe@example.org")]
    # Stray spaces around every cell, and a lone space in the email column.
    maria = people["Maria Garcia"]
    assert (maria.given_name, maria.company, maria.title) == ("Maria", "Umbrella", "CTO")
    assert maria.emails == []
    assert [(e.line, e.reason) for e in result.errors] == [(15, HIDDEN_MEMBER_REASON)]
    assert result.warnings == []


def test_linkedin_without_url_column_with_us_dates() -> None:
    result = load("linkedin_no_url.csv")
    assert result.format is ContactFormat.LINKEDIN
    people = by_name(result)
    assert list(people) == ["Bob Smith", "Carol Jones", "Dave Brown", "Frank White"]
    bob = people["Bob Smith"]
    assert bob.connected_on == date(2018, 1, 8)  # "1/8/18, 6:14 PM" is month/day
    assert bob.linkedin_url == ""
    assert people["Carol Jones"].connected_on == date(2017, 12, 31)
    assert people["Carol Jones"].company == "Pied Piper, LLC"
    assert people["Dave Brown"].connected_on is None
    assert people["Frank White"].emails == []
    assert [e.line for e in result.errors] == [5, 6]
    assert "7 fields but the header has 6" in result.errors[0].reason
    assert result.errors[1].reason == HIDDEN_MEMBER_REASON
    assert [(w.line, w.reason) for w in result.warnings] == [
        (4, "ignored Connected On 'not a date': not a date"),
        (7, "ignored email 'frank-at-example.com': not an email address"),
    ]


def test_linkedin_cp1252_file() -> None:
    result = load("linkedin_cp1252.csv")
    people = by_name(result)
    assert list(people) == ["José Müller", "Renée Æbelø"]
    assert people["José Müller"].company == "Bäckerei Größe"
    assert people["Renée Æbelø"].company == "Café “Crème”"
    assert people["Renée Æbelø"].title == "Barista – Lead"
    assert result.errors == []


def test_vcard21_quoted_printable_charsets_bare_types_and_photo() -> None:
    result = load("vcard21_qp.vcf")
    assert result.format is ContactFormat.VCARD
    assert result.errors == []
    juergen, rene, yuki = result.contacts
    assert (juergen.full_name, juergen.given_name, juergen.family_name) == (
        "Jürgen Müller",
        "Jürgen",
        "Müller",
    )
    assert juergen.phones == [
        TypedValue("+49 30 1234567", "home"),
        TypedValue("+49 170 1234567", "mobile"),
        TypedValue("+49 30 7654321", "fax"),
    ]
    assert juergen.emails == [TypedValue("juergen@example.de")]
    # Unescaped commas in 2.1 text values survive.
    assert juergen.company == "Müller, Schmidt & Co"
    assert juergen.title == "Leiter, Vertrieb"
    # QP soft line breaks joined, =0D=0A decoded to a line break, UTF-8 charset applied.
    assert juergen.address == "Hauptstraße 1\nHinterhaus"
    assert (juergen.city, juergen.postal_code, juergen.country) == (
        "Berlin",
        "10115",
        "Deutschland",
    )
    assert juergen.notes == (
        "Met at the Berlin meetup. Knows everyone in logistics, ask him about warehouse "
        "automation.\nSecond line with äöü."
    )
    assert (juergen.source_card, juergen.source_line) == (1, 1)
    # ISO-8859-1: QP-encoded name and a raw 8-bit ORG line in the same UTF-8 file.
    assert rene.full_name == "René François"
    assert rene.company == "Société Anonyme"
    assert rene.emails == [TypedValue("rene.francois@example.fr", "work")]
    assert (rene.source_card, rene.source_line) == (2, 28)
    # FN in family-name-first order is kept as written; N says which part is which.
    assert yuki.full_name == "Tanaka Yuki"
    assert (yuki.given_name, yuki.family_name) == ("Yuki", "Tanaka")
    assert yuki.phones == [TypedValue("090-1234-5678", "mobile")]
    assert yuki.birthday == "1990-04-15"


def test_vcard30_grouped_properties_labels_and_folded_photo() -> None:
    result = load("vcard30_grouped.vcf")
    assert result.errors == []
    aiko, chidi = result.contacts
    assert aiko.full_name == "Aiko Nakamura"
    assert aiko.emails == [
        TypedValue("aiko@kaizen.example", "work"),
        TypedValue("aiko.personal@example.com", "home"),
    ]
    assert aiko.phones == [
        TypedValue("+81 90-1111-2222", "mobile"),
        TypedValue("+81 3-1234-5678", "work"),
        TypedValue("+81 3-9999-0000", "assistant"),  # custom Apple label
    ]
    assert aiko.company == "Kaizen, Ltd."
    assert aiko.title == "Director, Applied ML"
    assert aiko.linkedin_url == "https://www.linkedin.com/in/aiko-nakamura/"
    assert aiko.urls == ["https://twitter.com/aiko"]
    assert (aiko.address, aiko.city, aiko.country) == ("1-2-3 Shibuya", "Tokyo", "Japan")
    assert aiko.notes == (
        "Introduced by Sam at the 2023 summit. Prefers email, not calls.\n"
        "Follow up in Q3. Folded continuation."
    )
    assert aiko.birthday == "1985-02-28"
    assert aiko.tags == ["ML", "Japan"]
    assert chidi.full_name == "Dr. Chidi Emeka Okafor"  # FN wins over N
    assert (chidi.given_name, chidi.family_name) == ("Chidi", "Okafor")
    assert chidi.linkedin_url == "http://linkedin.com/in/ChidiOkafor"
    assert chidi.source_card == 2


def test_vcard40() -> None:
    result = load("vcard40.vcf")
    assert result.errors == []
    sofia, ngozi = result.contacts
    assert sofia.full_name == "Sofía Ramírez"
    assert sofia.phones == [
        TypedValue("+34-600-123-456", "mobile"),
        TypedValue("+34-91-123-4567 ext. 89", "work"),
    ]
    assert [e.value for e in sofia.emails] == ["sofia@ramirez.example", "sofia.r@example.com"]
    assert sofia.linkedin_url == "https://es.linkedin.com/in/sofia-ramirez"
    assert sofia.urls == ["https://sofia.example"]
    assert sofia.birthday == "--04-15"
    assert (sofia.region, sofia.country) == ("Madrid", "España")
    assert sofia.tags == ["data", "spain"]
    assert ngozi.emails == [TypedValue("ngozi@example.ng")]


def test_one_bad_card_never_sinks_the_others() -> None:
    result = load("vcard_mixed_broken.vcf")
    assert [(c.full_name, c.source_card, c.source_line) for c in result.contacts] == [
        ("Good One", 1, 1),
        ("Good Three", 3, 12),
        ("Good Five", 5, 21),
    ]
    errors = [(e.card, e.line, e.reason) for e in result.errors]
    assert errors == [
        (2, 6, "line 9 is not a vCard property: 'this line is not a property'"),
        (4, 18, "no END:VCARD before the next card (line 21)"),
        (6, 25, "no name, email or phone number"),
        (7, 29, "line 31 is not a vCard property: 'FN;X-BROKEN=\"unterminated:Seven'"),
        (8, 33, "the file ends inside this card (no END:VCARD)"),
    ]
    assert [(w.card, w.reason) for w in result.warnings] == [
        (3, "ignored email 'not-an-email': not an email address")
    ]


def test_google_old_shape() -> None:
    result = load("google_old.csv")
    assert result.format is ContactFormat.GOOGLE
    grace, li_na, phone_only = result.contacts
    assert (grace.full_name, grace.company, grace.title) == (
        "Grace Hopper",
        "US Navy",
        "Rear Admiral",
    )
    # " ::: " joins several values in one cell; "* " marks the primary one.
    assert grace.emails == [
        TypedValue("grace@navy.example", "work"),
        TypedValue("ghopper@example.com", "work"),
        TypedValue("grace.home@example.com", "home"),
    ]
    assert grace.phones == [
        TypedValue("+1 202-555-0143", "mobile"),
        TypedValue("(202) 555-0199", "work"),
    ]
    assert grace.linkedin_url == "https://www.linkedin.com/in/gracehopper"
    assert grace.tags == ["Pioneers"]  # system groups (* myContacts, * starred) dropped
    assert grace.notes == "Navy.\nInvented the compiler."
    assert grace.birthday == "1906-12-09"
    assert (grace.address, grace.city, grace.region, grace.country) == (
        "1 Navy Way",
        "Arlington",
        "VA",
        "USA",
    )
    assert li_na.full_name == "李娜" and li_na.company == "华为"
    assert li_na.source_line == 5  # Grace's row spans lines 2-4
    assert phone_only.full_name == "" and phone_only.phones[0].value == "+44 7700 900456"
    assert [(e.line, e.reason) for e in result.errors] == [(6, "no name, email or phone number")]


def test_google_new_shape() -> None:
    result = load("google_new.csv")
    assert result.format is ContactFormat.GOOGLE
    ada, alexey, kwame = result.contacts
    assert ada.full_name == "Ada King Lovelace"
    assert (ada.given_name, ada.family_name) == ("Ada", "Lovelace")
    assert ada.company == "Analytical Engines, Ltd"
    assert ada.emails == [TypedValue("ada@engines.example", "work")]
    assert ada.linkedin_url == "linkedin.com/in/ada-lovelace"
    assert ada.birthday == "--12-10"
    assert (ada.city, ada.country) == ("London", "United Kingdom")
    assert alexey.full_name == "Алексей Смирнов" and alexey.title == "Аналитик"
    assert kwame.phones == [
        TypedValue("+233 30 123 4567", "work"),
        TypedValue("+233 24 765 4321", "custom line"),
    ]
    assert kwame.tags == ["Ghana", "Clients"]
    assert result.errors == []


def test_outlook() -> None:
    result = load("outlook.csv")
    assert result.format is ContactFormat.OUTLOOK
    satya, ingrid = result.contacts
    assert satya.full_name == "Satya Rao"  # "Title" (Mr.) is an honorific, not the job
    assert satya.title == "Principal PM" and satya.company == "Contoso, Ltd."
    assert [e.value for e in satya.emails] == ["satya.rao@contoso.example", "satya@example.in"]
    assert satya.phones == [
        TypedValue("+1 425 555 0101", "mobile"),
        TypedValue("+1 (425) 555-0100", "work"),
    ]  # the assistant's phone is not the person's
    assert satya.linkedin_url == "https://www.linkedin.com/in/satya-rao"
    assert satya.birthday == "1975-04-15"
    assert satya.notes == "Met at Build.\nLikes cricket."
    assert (satya.city, satya.region, satya.country) == ("Redmond", "WA", "United States")
    assert ingrid.full_name == "Ingrid M. Bergström"
    assert ingrid.birthday == ""  # 0/0/00 means none
    assert (ingrid.city, ingrid.country) == ("Stockholm", "Sweden")
    assert ingrid.source_line == 4
    assert [(e.line, e.reason) for e in result.errors] == [(5, "no name, email or phone number")]


def test_outlook_utf16() -> None:
    result = load("outlook_utf16.csv")
    assert result.format is ContactFormat.OUTLOOK
    assert [c.full_name for c in result.contacts] == ["Łukasz Wiśniewski", "Ελένη Παπαδοπούλου"]
    assert result.contacts[0].company == "Żabka Polska"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("linkedin_notes_preamble.csv", ContactFormat.LINKEDIN),
        ("linkedin_no_url.csv", ContactFormat.LINKEDIN),
        ("linkedin_cp1252.csv", ContactFormat.LINKEDIN),
        ("vcard21_qp.vcf", ContactFormat.VCARD),
        ("vcard30_grouped.vcf", ContactFormat.VCARD),
        ("vcard40.vcf", ContactFormat.VCARD),
        ("vcard_mixed_broken.vcf", ContactFormat.VCARD),
        ("google_old.csv", ContactFormat.GOOGLE),
        ("google_new.csv", ContactFormat.GOOGLE),
        ("outlook.csv", ContactFormat.OUTLOOK),
        ("outlook_utf16.csv", ContactFormat.OUTLOOK),
    ],
)
def test_forced_format_matches_detection(name: str, fmt: ContactFormat) -> None:
    data = (FIXTURES / name).read_bytes()
    assert parse(data, fmt).contacts == parse(data).contacts


def test_vcard30_unescaped_commas_are_text_not_lost() -> None:
    # vobject alone would keep only "VP" and split the street; sloppy writers are common.
    data = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Doe, Jane\r\nTITLE:VP, Sales\r\n"
        b"ORG:Acme, Inc.;Sales\r\nADR:;;1 Main St, Apt 2;Town;;;\r\nEND:VCARD\r\n"
    )
    (jane,) = parse(data).contacts
    assert (jane.full_name, jane.title, jane.company) == ("Doe, Jane", "VP, Sales", "Acme, Inc.")
    assert jane.address == "1 Main St, Apt 2"
