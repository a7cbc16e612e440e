import pytest

from papers.links import (
    Link,
    LinkButton,
    absolute_url,
    classify_link,
    classify_links,
    is_placeholder,
    link_buttons,
    web_url,
)
from papers.models import Paper


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/NVlabs/MaskLLM", "repo"),
        ("https://github.com/TRI-ML/vlm-evaluation/", "repo"),
        ("https://github.com/owner/repo/tree/main/src", "repo"),
        ("http://www.github.com/SimonAytes/SoT", "repo"),
        ("github.com/CodeEval-Pro/CodeEval-Pro", "repo"),
        ("https://gitlab.com/group/subgroup/project", "repo"),
        ("https://bitbucket.org/team/tool", "repo"),
        ("https://codeberg.org/someone/thing", "repo"),
        ("https://anonymous.4open.science/r/derailment-oss-replication-C8B1", "repo"),
        ("https://sp4595.github.io/CLEA/", "project_page"),
        ("https://kodcode-ai.github.io", "project_page"),
        ("https://dreamrelation.example-lab.org/", "project_page"),
        ("https://github.com/RefalMachine", "other"),
        ("https://github.com/topics/llm", "other"),
        ("https://arxiv.org/abs/2503.07365", "other"),
        ("https://huggingface.co/declare-lab/TangoFlux", "hf_model"),
        ("https://huggingface.co/datasets/KuaishouHAIC/HAIC", "hf_dataset"),
        ("https://huggingface.co/spaces/jkhouja/lingoly-too", "hf_space"),
        ("https://huggingface.co/papers/2502.01237", "hf_paper"),
        ("https://github.com/", "placeholder"),
        ("https://github.com", "placeholder"),
        ("https://github.com/features", "placeholder"),
        ("", "placeholder"),
        ("N/A", "placeholder"),
        ("https://example.com/", "placeholder"),
        ("https://[broken", "placeholder"),
        # Not web pages, and never to become an href.
        ("javascript://%0Aalert(1)", "placeholder"),
        ("javascript:alert(1)", "placeholder"),
        ("ftp://example.org/code.tar.gz", "placeholder"),
    ],
)
def test_github_column_links_are_classified_by_host_and_path(url, kind):
    assert classify_link(url, column="github") == kind


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://huggingface.co/mistralai/Mistral-Nemo-Base-2407", "hf_model"),
        ("https://hf.co/org/model", "hf_model"),
        ("https://huggingface.co/datasets/allenai/OLMOE-mix-0924", "hf_dataset"),
        ("https://huggingface.co/datasets/squad", "hf_dataset"),
        ("https://huggingface.co/spaces/declare-lab/TangoFlux", "hf_space"),
        ("https://someone-demo.hf.space", "hf_space"),
        ("https://huggingface.co/papers/2409.02795", "hf_paper"),
        ("https://huggingface.co/", "placeholder"),
        ("https://huggingface.co", "placeholder"),
        ("https://huggingface.co/transformers", "placeholder"),
        ("https://huggingface.co/datasets", "placeholder"),
        ("https://huggingface.co/spaces/", "placeholder"),
        ("https://github.com", "placeholder"),
        ("https://huggingface.co/EuroBERT", "other"),
        ("https://huggingface.co/docs/transformers/index", "other"),
        (
            "https://huggingface.co/collections/joelniklaus/"
            "swiltra-bench-67c569a2ada47e4549733deb",
            "other",
        ),
        ("https://tiger-ai-lab.github.io/ABC/", "project_page"),
        ("https://grote-app.hf.spaces", "other"),
        ("https://github.com/gsarti/qe4pe", "repo"),
    ],
)
def test_huggingface_column_links_are_classified_by_host_and_path(url, kind):
    assert classify_link(url, column="huggingface") == kind


def test_a_non_repository_site_is_a_project_page_only_in_the_github_column():
    url = "https://mgtsaevis.example.org/mgt-sae-visualization/"
    assert classify_link(url, column="github") == "project_page"
    assert classify_link(url, column="huggingface") == "other"


def test_an_unknown_column_is_refused():
    with pytest.raises(ValueError, match="column"):
        classify_link("https://github.com/a/b", column="GitHub URLs")


def test_is_placeholder_matches_classify_link():
    assert is_placeholder("https://huggingface.co/", column="huggingface")
    assert not is_placeholder("https://huggingface.co/org/model", column="huggingface")


def test_classify_links_keeps_order_and_urls_as_given():
    links = classify_links(
        ["https://github.com/a/b", "github.com/c/d", "https://github.com/"],
        column="github",
    )
    assert links == [
        Link("https://github.com/a/b", "repo"),
        Link("github.com/c/d", "repo"),
        Link("https://github.com/", "placeholder"),
    ]
    assert [link.href for link in links] == [
        "https://github.com/a/b",
        "https://github.com/c/d",
        "https://github.com/",
    ]
    assert [link.label for link in links] == ["Code", "Code", "Link"]
    assert [link.is_placeholder for link in links] == [False, False, True]


def test_link_is_frozen_and_comparable():
    link = Link("https://huggingface.co/a/b", "hf_model")
    assert link == Link("https://huggingface.co/a/b", "hf_model")
    with pytest.raises(AttributeError):
        link.kind = "other"


def test_absolute_url_adds_a_scheme_only_when_missing():
    assert absolute_url("github.com/a/b") == "https://github.com/a/b"
    assert absolute_url("http://a.org/x") == "http://a.org/x"
    assert absolute_url("") == ""


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://arxiv.org/abs/2503.01785", "https://arxiv.org/abs/2503.01785"),
        ("  http://a.org/x ", "http://a.org/x"),
        ("openreview.net/forum?id=x", "https://openreview.net/forum?id=x"),
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(1)", ""),
        ("java\tscript:alert(1)", ""),
        ("javascript://%0Aalert(1)", ""),
        ("data:text/html,hi", ""),
        ("mailto:a@b.org", ""),
        ("//evil.example/x", ""),
        ("https://[broken", ""),
        ("https://", ""),
        ("", ""),
    ],
)
def test_web_url_keeps_only_http_and_https_urls(url, href):
    assert web_url(url) == href


def test_link_buttons_skip_placeholders_and_non_web_urls():
    paper = Paper(
        arxiv_id="2503.01785",
        arxiv_url="javascript:alert(1)",
        github_urls=["https://github.com/a/b", "https://github.com", "data:,x"],
        huggingface_urls=["huggingface.co/datasets/o/d"],
    )

    assert link_buttons(paper) == [
        LinkButton("https://arxiv.org/pdf/2503.01785", "PDF", "link-pdf"),
        LinkButton("https://github.com/a/b", "Code", "link-github", "a/b"),
        LinkButton(
            "https://huggingface.co/datasets/o/d", "Dataset", "link-hf", "datasets/o/d"
        ),
    ]
