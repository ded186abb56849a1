from kansa_schemas.jsonschema import stale_files


def test_checked_in_json_schemas_match_the_models() -> None:
    assert stale_files() == [], "run `python -m kansa_schemas.jsonschema` and commit schemas/json"
