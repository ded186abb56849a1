from kansa_schemas import mynumber
from kansa_schemas.mynumber import mask_value

KEY = b"k" * 32
NUMBER = mynumber.make_valid("98765432109")


def test_numbers_are_masked_in_any_field_key_and_type() -> None:
    data = {"subject_ref": NUMBER, "nested": {"list": [int(NUMBER), f"memo {NUMBER}"], NUMBER: True},
            "count": 12, "flag": True}
    masked, count = mask_value(data, KEY)
    token = mynumber.tokenise(NUMBER, KEY)
    assert count == 4
    assert masked["subject_ref"] == token
    assert masked["nested"]["list"] == [token, f"memo {token}"]
    assert masked["nested"][token] is True
    assert masked["count"] == 12 and masked["flag"] is True
    assert NUMBER not in repr(masked)
