"""`briefing publish` in real git repositories: a bare "origin", the bot's clone, an editor's.

Everything is local (feeds are files in the repository, origin is a folder); git and the
briefing CLI are the real ones. The race (main moving between this run's fetch and its push)
is made deterministic with a pre-push hook in the bot's clone that pushes an editor's commit
to origin the first time it runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import DEMO, run, tree

pytestmark = pytest.mark.slow

EDITOR = {
    "GIT_AUTHOR_NAME": "Ines Editor",
    "GIT_AUTHOR_EMAIL": "ines@newsroom.example",
    "GIT_COMMITTER_NAME": "Ines Editor",
    "GIT_COMMITTER_EMAIL": "ines@newsroom.example",
}
ANALYSIS = (
    "\nThe approval is the first of three permits — “a start”, not a finish.  \n\nŁódź note.\n"
)


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **EDITOR, "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


@dataclass
class Repos:
    origin: Path
    bot: Path
    editor: Path

    def origin_head(self) -> str:
        return git(self.origin, "rev-parse", "main")

    def publish(self, *extra: str) -> tuple[int, str, str]:
        result = run(self.bot, "publish", "--push", *extra)
        return result.code, result.out, result.err


FEEDS = yaml.safe_load((DEMO / "content" / "feeds.yml").read_text(encoding="utf-8"))["feeds"]


def write_feeds(root: Path, feeds: list[dict[str, object]]) -> None:
    text = yaml.safe_dump({"feeds": feeds}, sort_keys=False, allow_unicode=True)
    (root / "content" / "feeds.yml").write_text(text, encoding="utf-8")


@pytest.fixture
def repos(tmp_path: Path) -> Repos:
    """origin (bare) holding the demo site with two of its three feeds; two clones of it."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    seed = tmp_path / "seed"
    shutil.copytree(DEMO, seed, ignore=shutil.ignore_patterns("site", ".cache", "articles"))
    write_feeds(seed, FEEDS[:2])
    (seed / ".gitignore").write_text("/site/\n/.cache/\n/docs/*\n!/docs/about.md\n", "utf-8")
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(seed))
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "A briefing")
    git(seed, "push", "--quiet", str(origin), "main")
    for name in ("bot", "editor"):
        git(tmp_path, "clone", "--quiet", str(origin), name)
    return Repos(origin, tmp_path / "bot", tmp_path / "editor")


def articles(root: Path) -> list[Path]:
    return sorted((root / "content" / "articles").rglob("*.md"))


def body(path: Path) -> bytes:
    return path.read_bytes().split(b"\n---\n", 1)[1]


def test_first_run_commits_new_articles_and_a_second_run_commits_nothing(repos: Repos) -> None:
    before = repos.origin_head()
    code, out, err = repos.publish()
    assert code == 0, err
    new = articles(repos.bot)
    assert len(new) >= 10
    assert f"published {len(new)} new articles from 2 feeds" in out
    assert "pushed (attempt 1)" in out
    head = repos.origin_head()
    assert git(repos.origin, "rev-parse", "main~1") == before
    assert git(repos.origin, "log", "-1", "--format=%an <%ae>|%s", "main") == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
        f"|Publish: {len(new)} new articles"
    )
    pushed = git(repos.origin, "ls-tree", "-r", "--name-only", "main", "content/articles")
    assert pushed.splitlines() == [p.relative_to(repos.bot).as_posix() for p in new]
    assert git(repos.bot, "status", "--porcelain") == ""

    code, out, err = repos.publish()
    assert code == 0, err
    assert "published 0 new articles" in out and "nothing to commit" in out
    assert repos.origin_head() == head
    assert git(repos.bot, "rev-parse", "HEAD") == head


def test_publish_with_build_builds_what_briefing_build_builds_after_it(repos: Repos) -> None:
    """The scheduled run is one command (``publish --push --build``): the site it builds in
    the same process, from the articles publish loaded, is the one ``briefing build`` makes
    of the same commit; a run with nothing new has nothing to build but the feed-health page."""
    code, out, err = repos.publish("--build")
    assert code == 0, err
    assert "published" in out and "pushed (attempt 1)" in out
    assert "built site/ (full" in out  # the first build in this clone
    assert out.index("published") < out.index("built site/")  # said in the order done
    assert_site_is_built_from_origin(repos)

    code, out, err = repos.publish("--build")
    assert code == 0, err
    assert "nothing to commit" in out
    # Only the feed-health page may change: it says when the feeds were last fetched.
    assert "(nothing changed:" in out or "(incremental, 1 rebuilt:" in out, out


def assert_site_is_built_from_origin(repos: Repos) -> None:
    """The bot's site/ is what ``briefing build`` makes of origin's main, byte for byte."""
    git(repos.editor, "pull", "--quiet", "origin", "main")
    state = repos.editor / ".cache" / "briefing"
    state.mkdir(parents=True, exist_ok=True)  # the feed-health page shows the feeds' state
    shutil.copy2(repos.bot / ".cache" / "briefing" / "feeds.json", state / "feeds.json")
    built = run(repos.editor, "build")
    assert built.code == 0, built.err
    ours, theirs = tree(repos.bot / "site"), tree(repos.editor / "site")
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []


def test_what_is_staged_outside_content_is_left_staged_and_uncommitted(repos: Repos) -> None:
    """publish commits content/ only: an editor's staged change elsewhere stays staged (without
    --push: a rebase would refuse a dirty index anyway)."""
    about = repos.bot / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nA staged line.\n", "utf-8")
    git(repos.bot, "add", "docs/about.md")
    result = run(repos.bot, "publish")
    assert result.code == 0, result.err
    committed = git(repos.bot, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert committed and all(p.startswith("content/") for p in committed)
    assert git(repos.bot, "diff", "--cached", "--name-only") == "docs/about.md"
    # With nothing else staged, the commit holds the same: every content/ change of the run.
    git(repos.bot, "commit", "--quiet", "-m", "The editor's staged change")
    write_feeds(repos.bot, FEEDS)  # the third feed: new articles
    git(repos.bot, "commit", "--quiet", "-am", "A third feed")
    result = run(repos.bot, "publish")
    assert result.code == 0, result.err
    committed = git(repos.bot, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert "content/ledger.tsv" in committed
    assert committed and all(p.startswith("content/") for p in committed)
    assert git(repos.bot, "status", "--porcelain") == ""


def test_an_analyze_that_fails_is_reported_and_the_articles_are_published(
    repos: Repos,
) -> None:
    """analyze runs in publish's own process: its failure is caught, said, and not fatal."""
    result = run(repos.bot, "publish", "--push", env={"BRIEFING_ANALYZER": "sometimes"})
    assert result.code == 0, result.err
    assert "analyze: failed" in result.out
    assert "analyze failed: UsageError: analyzer 'sometimes'" in result.err
    new = articles(repos.bot)
    assert len(new) >= 10
    pushed = git(repos.origin, "ls-tree", "-r", "--name-only", "main", "content/articles")
    assert pushed.splitlines() == [p.relative_to(repos.bot).as_posix() for p in new]
    assert all(body(p).strip() == b"" for p in new)  # published without drafts

    code, out, err = repos.publish()  # the next run drafts them
    assert code == 0, err
    assert "analyze: ok" in out
    assert all(body(p).strip() for p in articles(repos.bot))


def test_a_run_after_an_editors_commit_keeps_the_editors_change(repos: Repos) -> None:
    assert repos.publish()[0] == 0
    # The editor writes an analysis and follows the third feed; the bot's clone is now behind.
    git(repos.editor, "pull", "--quiet", "origin", "main")
    edited = articles(repos.editor)[0]
    edited.write_bytes(edited.read_bytes().rstrip(b"\n") + b"\n" + ANALYSIS.encode())
    write_feeds(repos.editor, FEEDS)
    git(repos.editor, "commit", "--quiet", "-am", "Analysis of the permit; follow Google News")
    git(repos.editor, "push", "--quiet", "origin", "main")
    editors_file, editors_commit = edited.read_bytes(), repos.origin_head()

    code, out, err = repos.publish()

    assert code == 0, err
    assert "from 3 feeds" in out and "pushed (attempt 1)" in out
    assert git(repos.origin, "rev-parse", "main~1") == editors_commit
    mine = repos.bot / edited.relative_to(repos.editor)
    shown = git(repos.origin, "show", f"main:{edited.relative_to(repos.editor).as_posix()}")
    assert body(mine) == body(edited) and shown.encode() == mine.read_bytes().rstrip(b"\n")
    if "Google News" not in mine.read_text(encoding="utf-8"):  # ingest did not touch it
        assert mine.read_bytes() == editors_file


def install_race(repos: Repos, marker: Path) -> None:
    """Make the bot's next push find that the editor pushed first (once)."""
    hook = repos.bot / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        "# An editor pushes after this run fetched and before it pushes (the first time).\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f'if [ ! -e "{marker}" ]; then\n'
        f'  touch "{marker}"\n'
        f'  git -C "{repos.editor}" push --quiet origin HEAD:main || exit 1\n'
        "fi\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)


def prepare_race(repos: Repos, tmp_path: Path) -> tuple[Path, str]:
    """Origin follows a third feed (the bot will ingest it); the editor has an unpushed edit."""
    assert repos.publish()[0] == 0
    git(repos.editor, "pull", "--quiet", "origin", "main")
    write_feeds(repos.editor, FEEDS)
    git(repos.editor, "commit", "--quiet", "-am", "Follow Google News")
    git(repos.editor, "push", "--quiet", "origin", "main")
    edited = next(p for p in articles(repos.editor) if "Gridline" in p.read_text("utf-8"))
    edited.write_bytes(edited.read_bytes().rstrip(b"\n") + b"\n" + ANALYSIS.encode())
    git(repos.editor, "commit", "--quiet", "-am", "Analysis of the survey")
    install_race(repos, tmp_path / "raced")
    return edited, git(repos.editor, "rev-parse", "HEAD")


def test_a_race_is_resolved_by_rebase_and_retry(repos: Repos, tmp_path: Path) -> None:
    edited, editors_commit = prepare_race(repos, tmp_path)

    code, out, err = repos.publish()

    assert code == 0, err
    assert (tmp_path / "raced").exists()  # the editor really did push in between
    assert "pushed (attempt 2)" in out
    head = repos.origin_head()
    assert git(repos.origin, "rev-parse", "main~1") == editors_commit  # on top, not merged
    assert git(repos.origin, "log", "-1", "--format=%an|%cn", "main") == (
        "github-actions[bot]|github-actions[bot]"
    )
    assert git(repos.bot, "rev-parse", "HEAD") == head
    path = edited.relative_to(repos.editor).as_posix()
    assert body(repos.bot / path) == body(edited)
    changed = git(repos.origin, "diff", "--name-only", "main~1", "main").splitlines()
    assert changed and all(p.startswith("content/") for p in changed)


def test_a_race_past_the_retries_fails_cleanly(repos: Repos, tmp_path: Path) -> None:
    _, editors_commit = prepare_race(repos, tmp_path)

    code, _, err = repos.publish("--retries", "0")

    assert code == 1
    assert "push to origin/main rejected 1 times" in err
    assert repos.origin_head() == editors_commit  # the editor's push stands
    assert not (repos.bot / ".git" / "rebase-merge").exists()
    assert git(repos.bot, "status", "--porcelain") == ""  # committed locally, nothing lost


def test_publish_with_build_after_a_race_builds_what_it_pushed(
    repos: Repos, tmp_path: Path
) -> None:
    """The build runs while the commit is pushed; when the push is rejected (an editor pushed
    meanwhile) and retried on top of the editor's commit, the site is built again from it."""
    edited, editors_commit = prepare_race(repos, tmp_path)

    code, out, err = repos.publish("--build")

    assert code == 0, err
    assert (tmp_path / "raced").exists() and "pushed (attempt 2)" in out
    assert git(repos.origin, "rev-parse", "main~1") == editors_commit
    page = next((repos.bot / "site" / "articles").rglob(f"{edited.stem}/index.html"))
    assert "Łódź note." in page.read_text(encoding="utf-8")  # the editor's analysis
    assert_site_is_built_from_origin(repos)


def test_a_build_that_fails_still_pushes_what_publish_committed(repos: Repos) -> None:
    """``publish --build`` pushes while it builds: a build that fails (here a strict MkDocs
    build refusing a broken link an editor committed) is reported, and the run's commit is
    pushed all the same."""
    git(repos.editor, "pull", "--quiet", "origin", "main")
    about = repos.editor / "docs" / "about.md"
    about.write_text(about.read_text("utf-8") + "\n[Gone](nowhere.md)\n", encoding="utf-8")
    git(repos.editor, "commit", "--quiet", "-am", "A link to a page that is not there")
    git(repos.editor, "push", "--quiet", "origin", "main")

    code, out, err = repos.publish("--build")

    assert code != 0
    assert "pushed (attempt 1)" in out and "nowhere.md" in err, (out, err)
    assert "built site/" not in out
    head = repos.origin_head()
    assert git(repos.bot, "rev-parse", "HEAD") == head
    assert git(repos.origin, "log", "-1", "--format=%s", "main").startswith("Publish: ")
