"""A servicecheck plugin: the bank's product names as a matcher, a risk-disclosure check, and a pack.

Entry points (pyproject.toml): matcher ``product_names``, check ``risk_disclosure``, pack
``bank-products``. See README.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Optional

from pydantic import BaseModel, ConfigDict, Field

from servicecheck.plugins import CheckPlugin, MatcherPlugin

HERE = Path(__file__).resolve().parent


def bundled_products() -> List[str]:
    """The product names shipped with the plugin (products.txt)."""
    lines = (HERE / "products.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class ProductOptions(BaseModel):
    """Which product names a rule matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    products: List[str] = Field(default_factory=list, description="product names to match")
    bundled: bool = Field(True, description="also match the names in the plugin's products.txt")
    exclude: List[str] = Field(default_factory=list, description="names not to match")

    def names(self) -> List[str]:
        names = (bundled_products() if self.bundled else []) + list(self.products)
        if not any(n.strip() for n in names):
            raise ValueError("no product names: give products or set bundled: true")
        return [n for n in names if n.strip() and n not in self.exclude]


class ProductNames(MatcherPlugin):
    """Every product name in the text, longest first, never overlapping."""

    name = "product_names"
    Options = ProductOptions

    def __init__(self, options: ProductOptions, normalize) -> None:
        super().__init__(options, normalize)
        self.written = {}
        for name in options.names():
            key = normalize(name)
            if key:
                self.written.setdefault(key, name)
        keys = sorted(self.written, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None

    def find(self, view) -> Iterator[tuple]:
        if self.pattern is None:
            return
        for match in self.pattern.finditer(view.norm):
            yield match.start(), match.end(), self.written[match.group()]


class DisclosureOptions(BaseModel):
    """After the agent names a product, a risk phrase must follow within N agent utterances."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product_stage: str = Field(description="the stage whose hits are product mentions")
    phrases: List[str] = Field(min_length=1, description="risk-disclosure phrases")
    within_utterances: int = Field(2, ge=0, description="agent utterances after the mention (0: the same one)")
    once: bool = Field(True, description="report only the first undisclosed mention")


class RiskDisclosure(CheckPlugin):
    """A product the agent names must come with a risk disclosure."""

    name = "risk_disclosure"
    Options = DisclosureOptions

    def run(self, check, ctx) -> list:
        options: DisclosureOptions = check.options
        phrases = ctx.phrase_list(options.phrases)
        agent = ctx.speaker_indexes("agent")
        findings = []
        for hit in ctx.stage_hits(options.product_stage, "agent"):
            index = hit.utterance_index
            following = [i for i in agent if i >= index][: options.within_utterances + 1]
            if any(ctx.has_phrase(i, phrases) for i in following):
                continue
            findings.append(
                ctx.finding(
                    check,
                    index,
                    f"提到产品「{hit.text}」后 {options.within_utterances} 句内未提示风险",
                    span=(hit.start, hit.end),
                    message=check.message or "介绍产品未提示风险",
                )
            )
            if options.once:
                break
        return findings


def pack_path() -> Path:
    """The bank-products pack shipped with the plugin."""
    return HERE / "bank-products.yaml"


def products(extra: Optional[List[str]] = None) -> List[str]:
    return bundled_products() + list(extra or [])
