#!/usr/bin/env python3
"""GitHub Action, apply on the default branch: the coverage reductions approved in review, if any.

Prints the fingerprint (`sha256:...`) of the reductions the merged pull request's plan showed,
when, and only when, that pull request carries the label `orgtrail-approve-reduction` added by
someone with the repository's `maintain` or `admin` permission (GitHub lets anyone with `triage`
label, so the labeler's permission is checked, not the label alone). The fingerprint comes from
the plan comment the Action posted on that pull request (`<!-- orgtrail-reductions: ... -->`);
`orgtrail apply --approved-reductions` then applies reductions only if the fresh plan's are
exactly those. Prints nothing when there is no approval; says why on stderr.

Environment: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_SHA, INPUT_PATHS.
Standard library only.
"""

import json
import os
import re
import sys
import urllib.request

LABEL = "orgtrail-approve-reduction"
APPROVERS = {"admin", "maintain"}


def api(path):
    url = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/") + path
    req = urllib.request.Request(url)
    req.add_header("Authorization", "Bearer " + os.environ["GITHUB_TOKEN"])
    req.add_header("Accept", "application/vnd.github+json")
    req.add_header("X-GitHub-Api-Version", "2022-11-28")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def say(text):
    print(f"orgtrail approval: {text}", file=sys.stderr)


def merged_pull_request(repo, sha):
    pulls = api(f"/repos/{repo}/commits/{sha}/pulls")
    merged = [p for p in pulls or [] if p.get("merged_at")]
    return merged[0] if merged else None


def labeler(repo, number):
    """Who last added the label (the issue's events, newest last)."""
    who = None
    page = 1
    while True:
        events = api(f"/repos/{repo}/issues/{number}/events?per_page=100&page={page}") or []
        for e in events:
            if e.get("event") == "labeled" and (e.get("label") or {}).get("name") == LABEL:
                who = (e.get("actor") or {}).get("login")
        if len(events) < 100:
            return who
        page += 1


def approved_fingerprint(repo, number, marker):
    page = 1
    while True:
        comments = api(f"/repos/{repo}/issues/{number}/comments?per_page=100&page={page}") or []
        for c in comments:
            body = c.get("body") or ""
            if marker in body:
                m = re.search(r"<!-- orgtrail-reductions: (sha256:[0-9a-f]{64}) -->", body)
                return m.group(1) if m else None
        if len(comments) < 100:
            return None
        page += 1


def main():
    repo, sha = os.environ["GITHUB_REPOSITORY"], os.environ.get("GITHUB_SHA", "")
    pr = merged_pull_request(repo, sha)
    if pr is None:
        return say(f"no merged pull request for {sha[:7]}: no reduction is approved")
    number = pr["number"]
    if LABEL not in {l.get("name") for l in pr.get("labels") or []}:
        return say(f"#{number} has no `{LABEL}` label: no reduction is approved")
    who = labeler(repo, number)
    permission = (api(f"/repos/{repo}/collaborators/{who}/permission") or {}).get("permission") if who else None
    if permission not in APPROVERS:
        return say(f"`{LABEL}` on #{number} was added by {who or 'nobody known'} ({permission or 'no'} permission), not a maintainer: no reduction is approved")
    marker = f"<!-- orgtrail-plan: {os.environ.get('INPUT_PATHS', 'specs/')} -->"
    fp = approved_fingerprint(repo, number, marker)
    if fp is None:
        return say(f"#{number}'s plan comment shows no coverage reduction: none is approved")
    say(f"#{number}: {who} ({permission}) approved the reductions {fp}")
    print(fp)


if __name__ == "__main__":
    main()
