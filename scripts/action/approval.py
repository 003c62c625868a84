#!/usr/bin/env python3
"""GitHub Action, apply on the default branch: the coverage reductions approved in review, if any.

Prints the fingerprint (`sha256:...`) of the reductions the merged pull request's plan showed,
when, and only when, that pull request carries the label `orgtrail-approve-reduction` added by
someone whose repository role is `maintain` or `admin` (GitHub lets anyone with `triage` label,
so the labeler's role is checked, not the label alone: the collaborator-permission API's
`role_name`), and the label was added after the plan comment was last updated: a push after the
approval updates the comment, and the approval no longer counts. The fingerprint comes from the
plan comment the Action's bot posted (`<!-- orgtrail-reductions: ... -->`; comments by anyone
else are ignored); `orgtrail apply --approved-reductions` then applies reductions only if the
fresh plan's are exactly those. Prints nothing when there is no approval; says why on stderr.

Environment: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_SHA, INPUT_PATHS,
INPUT_BOT (the plan comments' author, default `github-actions[bot]`).
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


def labeled(repo, number):
    """Who last added the label and when (the issue's events, oldest first)."""
    who = when = None
    page = 1
    while True:
        events = api(f"/repos/{repo}/issues/{number}/events?per_page=100&page={page}") or []
        for e in events:
            if e.get("event") == "labeled" and (e.get("label") or {}).get("name") == LABEL:
                who, when = (e.get("actor") or {}).get("login"), e.get("created_at")
        if len(events) < 100:
            return who, when
        page += 1


def plan_comment(repo, number, marker, bot):
    """The plan comment the bot posted: its fingerprint (None: no reduction) and last update."""
    page = 1
    while True:
        comments = api(f"/repos/{repo}/issues/{number}/comments?per_page=100&page={page}") or []
        for c in comments:
            body = c.get("body") or ""
            if (c.get("user") or {}).get("login") != bot or not body.startswith(marker):
                continue
            found = re.findall(r"^<!-- orgtrail-reductions: (sha256:[0-9a-f]{64}) -->$", body, re.M)
            return (found[-1] if found else None), c.get("updated_at") or c.get("created_at")
        if len(comments) < 100:
            return None, None
        page += 1


def main():
    repo, sha = os.environ["GITHUB_REPOSITORY"], os.environ.get("GITHUB_SHA", "")
    pr = merged_pull_request(repo, sha)
    if pr is None:
        return say(f"no merged pull request for {sha[:7]}: no reduction is approved")
    number = pr["number"]
    if LABEL not in {l.get("name") for l in pr.get("labels") or []}:
        return say(f"#{number} has no `{LABEL}` label: no reduction is approved")
    who, when = labeled(repo, number)
    role = (api(f"/repos/{repo}/collaborators/{who}/permission") or {}).get("role_name") if who else None
    if role not in APPROVERS:
        return say(f"`{LABEL}` on #{number} was added by {who or 'nobody known'} (role {role or 'none'}), not a maintainer: no reduction is approved")
    marker = f"<!-- orgtrail-plan: {os.environ.get('INPUT_PATHS', 'specs/')} -->"
    bot = os.environ.get("INPUT_BOT") or "github-actions[bot]"
    fp, updated = plan_comment(repo, number, marker, bot)
    if fp is None:
        return say(f"#{number}'s plan comment (by {bot}) shows no coverage reduction: none is approved")
    # ISO 8601 UTC timestamps compare as strings.
    if not when or not updated or when < updated:
        return say(f"#{number}'s plan changed after `{LABEL}` was added ({when} < {updated}): approve it again")
    say(f"#{number}: {who} ({role}) approved the reductions {fp}")
    print(fp)


if __name__ == "__main__":
    main()
