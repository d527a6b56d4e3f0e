"""The process helpers start, report on and stop the mocks reliably."""

from __future__ import annotations

import pytest

from tests.mocks import fixtures


def test_a_mock_that_cannot_start_reports_its_log(tmp_path, monkeypatch):
    monkeypatch.setattr(fixtures.keys, "make_team_id", lambda: "")
    with pytest.raises(RuntimeError, match="token auth needs"):
        fixtures.start_apns_mock(tmp_path)


def test_stop_ends_the_process(tmp_path):
    mock = fixtures.start_fcm_mock(tmp_path)
    assert mock.control.stats()["sends"] == 0
    mock.stop()
    assert mock.process.returncode is not None
    assert "stopped" in mock.log()


def test_control_errors_raise(apns_mock):
    with pytest.raises(ValueError, match="400"):
        apns_mock.control.script({"not": "a list"})
    with pytest.raises(ValueError, match="404"):
        apns_mock.control._call("GET", "/nothing")
