#!/usr/bin/env python3
"""GitHub Action step 3: post the plan as one pull-request comment, or update the one it posted
before (found by a hidden marker naming the spec paths), through the GitHub REST API at
$GITHUB_API_URL. Standard library only.

Environment: GITHUB_API_URL, GITHUB_REPOSITORY (owner/name), GITHUB_TOKEN, GITHUB_EVENT_PATH
(the pull request's number), GITHUB_SHA, INPUT_PATHS, INPUT_BODY_FILE (the plan's markdown).
"""

import json
import os
import sys
import urllib.request

LIMIT = 65536  # GitHub's limit on a comment body, in characters


def api(method, path, body=None):
    url = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/") + path
    data = None if body is None else json.dumps({"body": body}).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", "Bearer " + os.environ["GITHUB_TOKEN"])
    req.add_header("Accept", "application/vnd.github+json")
    req.add_header("X-GitHub-Api-Version", "2022-11-28")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        text = resp.read()
    return json.loads(text) if text else None


def pull_request_number():
    with open(os.environ["GITHUB_EVENT_PATH"]) as f:
        event = json.load(f)
    number = (event.get("pull_request") or {}).get("number") or event.get("number")
    if not number:
        sys.exit("orgtrail: not a pull request event: no comment")
    return int(number)


def find_comment(repo, number, marker):
    """The bot's own plan comment: its body starts with the marker and it wrote it (a marker in
    someone else's comment must not take the plan's place)."""
    bot = os.environ.get("INPUT_BOT") or "github-actions[bot]"
    page = 1
    while True:
        comments = api("GET", f"/repos/{repo}/issues/{number}/comments?per_page=100&page={page}")
        for c in comments:
            mine = (c.get("user") or {}).get("login") == bot
            if mine and (c.get("body") or "").startswith(marker):
                return c["id"]
        if len(comments) < 100:
            return None
        page += 1


def main():
    repo = os.environ["GITHUB_REPOSITORY"]
    number = pull_request_number()
    marker = f"<!-- orgtrail-plan: {os.environ.get('INPUT_PATHS', 'specs/')} -->"
    with open(os.environ["INPUT_BODY_FILE"], encoding="utf-8") as f:
        plan = f.read()
    sha = os.environ.get("GITHUB_SHA", "")[:7]
    footer = f"\n<sub>orgtrail plan of {sha}; updated on every push.</sub>\n" if sha else ""
    body = f"{marker}\n{plan}{footer}"
    if len(body) > LIMIT:  # orgtrail keeps its markdown well under this; never send more
        body = body[: LIMIT - 200] + "\n\n> Cut to fit GitHub's comment limit: see the job log.\n"
    existing = find_comment(repo, number, marker)
    if existing is None:
        api("POST", f"/repos/{repo}/issues/{number}/comments", body)
        print(f"orgtrail: commented the plan on #{number}")
    else:
        api("PATCH", f"/repos/{repo}/issues/comments/{existing}", body)
        print(f"orgtrail: updated the plan comment {existing} on #{number}")


if __name__ == "__main__":
    main()
