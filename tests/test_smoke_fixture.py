def test_school_fixture_builds_two_separate_teams(school):
    assert school.ana_plan != school.ben_plan
