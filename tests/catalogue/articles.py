"""Synthetic KB articles, written the way the archive prints them, for each table layout.

The layouts are built from plain string templates that follow the real articles in
tests/assets/kb (header block, applies-to lines, sections), not from the parser.
"""

from __future__ import annotations

INTRO = "The English version of this fix should have the following file attributes or\nlater:\n"


def article_text(
    body: str,
    *,
    article_id: str = "Q900001",
    title: str = "XCON: A Synthetic MTA Problem",
    applies: tuple[str, ...] = ("5.5",),
    keywords: str = "exc55",
    layout: str = "plain",
) -> str:
    """An article around ``body`` (the RESOLUTION section's text)."""
    versions = ", ".join(applies)
    plural = "versions" if len(applies) > 1 else "version"
    lines = [
        f"Article: {article_id}",
        "Product(s): Microsoft Exchange",
        f"Version(s): winnt:{','.join(applies)}",
        "Operating System(s): ",
        f"Keyword(s): {keywords}",
        "Last Modified: 06-AUG-2002",
        "",
        "-" * 79,
        "The information in this article applies to:",
        "",
        f"- Microsoft Exchange Server, {plural} {versions} ",
        "-" * 79,
        "",
        "SYMPTOMS",
        "========",
        "",
        "Something goes wrong.",
        "",
        "RESOLUTION",
        "==========",
        "",
        *body.splitlines(),
        "",
        "STATUS",
        "======",
        "",
        "Microsoft has confirmed this to be a problem.",
        "",
    ]
    if layout == "plain":
        return "\r\n".join([title, "", *lines])
    escaped = title.replace("&", "&amp;")
    front = [
        "---",
        "layout: page",
        f'title: "{article_id}: {escaped}"',
        f"permalink: /kb/900/{article_id}/",
        "---",
        "",
        f"## {article_id}: {escaped}",
        "",
        "{% raw %}",
        "",
    ]
    return "\n".join([*front, *("\t" + line for line in lines), "", "{% endraw %}", ""])


def plain_table(rows: list[tuple[str, str]], indent: str = "  ") -> str:
    width = max(len(name) for name, _ in rows) + 3
    lines = [f"{indent}{'File Name':<{width}}Version", f"{indent}{'-' * (width + 10)}"]
    lines += [f"{indent}{name:<{width}}{version}" for name, version in rows]
    return "\n".join(lines) + "\n"


def grid_table(rows: list[tuple[str, str]], *, header: bool = True) -> str:
    width = max(len(name) for name, _ in rows)
    vwidth = max(len(version) for _, version in rows)
    border = "+" + "-" * (width + vwidth + 5) + "+"
    lines = [border]
    if header:
        lines += [f"| {'File name':<{width}} | {'Version':<{vwidth}} | ", border]
    for name, version in rows:
        lines += [f"| {name:<{width}} | {version:<{vwidth}} | ", border]
    return "\n".join(lines) + "\n"


MTA_55 = [
    ("Dbserver.sch", "5.5.2431.0"),
    ("Emsmta.exe", "5.5.2431.0"),
    ("Mtamsg.dll", "5.5.2431.0"),
    ("X400om.dll", "5.5.2431.0"),
]
