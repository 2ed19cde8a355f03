"""Which baselines a run judges against: ``--baseline`` given once, several times, or not.

Without ``--baseline``, or with one file of Q197378's shape, the run is as it always was:
one baseline, and reports that carry no per-article part. Any other choice (a folder,
several files, a catalogue article) is a catalogue run: each server is judged against
each article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.requirements import Article, ServicePacks, expand_baseline_paths, load_articles

__all__ = ["RunBaselines", "load_run_baselines"]


@dataclass(frozen=True)
class RunBaselines:
    primary: Baseline
    """The Q197378-shaped baseline whose registry reads collection makes and whose rules
    the reports' baseline block shows: the first such article, else the shipped one."""
    articles: tuple[Article, ...]
    """Empty for a run of one baseline."""
    service_packs: ServicePacks | None
    """The service packs' own file versions (Q243604), where known."""

    @property
    def ids(self) -> list[str]:
        """The articles' ids; empty for a run of one baseline."""
        return [article.article_id for article in self.articles]


def load_run_baselines(paths: Sequence[Path] | None) -> RunBaselines:
    """Load what ``--baseline`` names. Raise BaselineError naming the file."""
    if not paths:
        return RunBaselines(load_baseline(default_baseline_path()), (), None)
    files = expand_baseline_paths(paths)
    if len(files) == 1 and not any(path.is_dir() for path in paths):
        articles = load_articles(files)
        if articles[0].legacy is not None and articles[0].legacy.source == str(files[0]):
            return RunBaselines(articles[0].legacy, (), None)
    else:
        articles = load_articles(files)
    legacy = [article.legacy for article in articles if article.legacy is not None]
    primary = legacy[0] if legacy else load_baseline(default_baseline_path())
    return RunBaselines(primary, articles, service_packs())


def service_packs() -> ServicePacks:
    """The service packs' own file lists (Q243604), shipped beside the baselines: read for a
    catalogue run only."""
    from auditor.catalogue.servicepacks import default_service_packs_path, load_service_packs

    return load_service_packs(default_service_packs_path())
