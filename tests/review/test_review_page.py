"""`grader review` in a real headless Chromium: decide an answer group with the keys, find the decision in
overrides.json, and the regraded grades.csv carrying it; requests from other sites are refused."""

from __future__ import annotations

import csv
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from grader.batch import run_batch
from grader.batch.outputs.overrides import FILE, read
from grader.review import ReviewServer

from .cdp import Browser

HOSTILE = "<img src=x onerror=\"document.title='pwned'\"> n(n+1)/2"
CLASS = {
    "ann": {"4.1": "n(n-1)/2", "2.1": "Input and output have different lengths."},
    "bob": {"4.1": "$\\frac{n(n-1)}{2}$", "2.1": "Input and output have different lengths."},
    "cal": {"4.1": "(n^2-n)/2"},
    "dan": {"4.1": "n(n+1)/2"},
    "eve": {"4.1": HOSTILE},
}


def _csv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {r["submission"]: r for r in csv.DictReader(handle)}


@pytest.fixture
def served(tmp_path, hw3):
    source, out = tmp_path / "class", tmp_path / "out"
    for name, answers in CLASS.items():
        (source / name).mkdir(parents=True)
        (source / name / "answers.yaml").write_text(yaml.safe_dump(answers), encoding="utf-8")
    run_batch(submissions=source, outdir=out, assignment=hw3, jobs=1)
    server = ReviewServer(out, hw3, who="ta1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield source, out, server
    server.shutdown()
    server.server_close()


def test_a_group_decided_in_the_page_lands_in_overrides_and_the_regraded_grades(served, tmp_path, hw3):
    source, out, server = served
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(server.url)
        browser.wait_for("document.body && document.body.dataset.ready === '1'")
        # Most students first: the three equivalent n(n-1)/2 answers are the first group of 4.1.
        first = browser.eval("items.findIndex(i => i.part === '4.1')")
        assert browser.eval(f"items[{first}].count") == 3 and browser.eval(f"items[{first}].verdict") == "not_equivalent"
        for _ in range(first):
            browser.key("n")
        assert browser.eval("document.querySelector('#item h2').textContent").startswith("Part 4.1")
        assert browser.eval("document.querySelector('#item .reading math') !== null")  # MathML, rendered offline
        assert browser.eval("document.querySelector('#item .reading mfrac') !== null")
        browser.key("c")
        browser.type("You counted each pair once; the diagonal is missing.")
        browser.eval("document.activeElement.blur()")
        browser.key("s")
        browser.type("8")
        browser.key("Enter")
        browser.wait_for("document.body.dataset.saved === '1'")
        # The page moved on; the next one is accepted with a key.
        browser.key("a")
        browser.wait_for("document.body.dataset.saved === '2'")
        # The hostile answer is shown as text: no element came of it and no script ran.
        index = browser.eval("items.findIndex(i => i.answer.includes('onerror'))")
        assert index >= 0
        browser.eval(f"show({index})")
        assert browser.eval("document.querySelector('#answer').textContent").startswith("<img src=x")
        assert browser.eval("document.querySelectorAll('#item img').length") == 0
        assert browser.eval("document.title") != "pwned"
    finally:
        browser.close()

    decisions = read(out / FILE)
    assert len(decisions) == 2
    group = decisions[0]
    assert (group.scope, group.part, group.engine, group.score, group.who) == ("group", "4.1", "formula", 8.0, "ta1")
    assert group.comment == "You counted each pair once; the diagonal is missing."
    assert decisions[1].score is None

    run_batch(submissions=source, outdir=out, assignment=hw3, jobs=1, regrade=True)
    grades = _csv(out / "grades.csv")
    assert [grades[n]["4.1"] for n in ("ann", "bob", "cal", "dan")] == ["8", "8", "8", "10"]
    assert grades["ann"]["reviewed"] == "2.1: accepted by ta1; 4.1: 5 → 8 by ta1"  # 2.1: the next group, accepted
    assert grades["cal"]["reviewed"] == "4.1: 5 → 8 by ta1"
    results = json.loads((out / "results" / "bob.json").read_text(encoding="utf-8"))
    assert "the diagonal is missing" in next(t["output"] for t in results["tests"] if t["number"] == "4.1")


def _post(server: ReviewServer, body: bytes, **headers: str) -> tuple[int, dict]:
    request = urllib.request.Request(server.url + "decide", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_requests_from_other_sites_are_refused(served):
    _, out, server = served
    item = server.review.items[0].id
    body = json.dumps({"item": item, "action": "accept"}).encode()
    token = {"X-Review-Token": server.token}
    assert _post(server, body)[0] == 403  # no token: what a cross-site form can send
    assert _post(server, body, **{"X-Review-Token": "guess"})[0] == 403
    assert _post(server, body, Origin="http://evil.example", **token)[0] == 403
    assert _post(server, body, Host="evil.example", **token)[0] == 421  # DNS rebinding
    assert _post(server, body, **{"Content-Type": "text/plain"}, **token)[0] == 415
    request = urllib.request.Request(server.url, headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 421  # nor is the page (and its token) shown to such a page
    assert not (out / FILE).exists()
    too_high = json.dumps({"item": item, "action": "score", "score": 1e9}).encode()
    assert _post(server, too_high, **token)[0] == 400
    status, answer = _post(server, body, Origin=server.url.rstrip("/"), **token)
    assert status == 200 and answer["ok"] and len(read(out / FILE)) == 1
    with urllib.request.urlopen(server.url, timeout=10) as page:
        policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy


def test_review_of_a_folder_never_graded_says_what_to_run(tmp_path, capsys):
    from grader.cli import main

    assert main(["review", str(tmp_path)]) == 2
    assert "run `grader batch` first" in capsys.readouterr().err
