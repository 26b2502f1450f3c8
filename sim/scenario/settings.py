"""Typed, validated scenario settings. Every default states its source or says "assumption".

Behaviour code reads these objects, never raw dicts. `config.load_scenario` turns a TOML file
into a `Scenario`, naming the file and key of anything wrong.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Days = Annotated[float, Field(ge=0.0, le=3650.0)]


SourceName = Literal[
    "search", "social_video", "marketplace", "review_sites", "brand_site", "friends", "influencer"
]
"""The information sources a researcher consults (ZMOT), named once for habits and switches."""


class Strict(BaseModel):
    """Base for every settings table: unknown keys are errors, values are checked on assignment,
    numbers must be finite (`inf` and `nan` mean nothing here) and booleans are not numbers.

    Pydantic's own strict mode would refuse booleans too, but also `3.0` for a whole number and
    numpy integers, which sweeps and the Python API pass; `_no_bool_for_number` refuses only
    the booleans, in every subclass (strategy settings and experiment tables included)."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        use_attribute_docstrings=True,
        allow_inf_nan=False,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, (bool, dict, list)):
            return value  # nothing a boolean can hide in: most values (and most of the cost)
        field = cls.model_fields.get(info.field_name or "")
        found = bool_for_number(field.annotation, value) if field is not None else None
        if found is not None:
            where, flag = found
            raise PydanticCustomError(
                "not_a_number",
                "must be a number, got a boolean ({flag})",
                {"where": where, "flag": str(flag).lower()},
            )
        return value


def wants_number(annotation: Any) -> bool:
    """True for int/float types (optional or annotated) that do not also accept a boolean."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return wants_number(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool not in options and any(wants_number(a) for a in options)
    return annotation in (int, float)


def bool_for_number(annotation: Any, value: Any) -> tuple[str, bool] | None:
    """A boolean standing for a number in `value`, with where it stands: "" for the value
    itself, a key or an index inside a dict or list of numbers; None if there is none."""
    if isinstance(value, bool):
        return ("", value) if wants_number(annotation) else None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is dict and isinstance(value, dict) and wants_number(args[-1]):
        items = value.items()
    elif origin is list and isinstance(value, list) and wants_number(args[0]):
        items = enumerate(value)
    else:
        return None
    return next(((str(k), v) for k, v in items if isinstance(v, bool)), None)


class AgeGroup(Strict):
    """An age group with its own platform habits (weights over research sources)."""

    share: Probability
    """Share of people in this age group (assumption: rough adult population shares)."""
    habits: dict[
        SourceName,
        NonNegative,
    ]
    """Relative weights of research sources (assumption shaped by TechCrunch 2022 and Google ZMOT 2011)."""


def _default_age_groups() -> dict[str, AgeGroup]:
    # Shares: assumption (rough adult population shares). Habits: assumption shaped by
    # TechCrunch 2022 (~40% of US 18-24s use TikTok/Instagram instead of Search/Maps;
    # 55% of product searches start on Amazon) and Google ZMOT 2011 (friends and family).
    return {
        "18-24": AgeGroup(
            share=0.15,
            habits=dict(
                search=0.6,
                social_video=1.0,
                marketplace=0.9,
                review_sites=0.3,
                brand_site=0.3,
                friends=0.6,
                influencer=0.8,
            ),
        ),
        "25-44": AgeGroup(
            share=0.35,
            habits=dict(
                search=1.0,
                social_video=0.5,
                marketplace=1.0,
                review_sites=0.6,
                brand_site=0.5,
                friends=0.6,
                influencer=0.3,
            ),
        ),
        "45-64": AgeGroup(
            share=0.32,
            habits=dict(
                search=1.0,
                social_video=0.2,
                marketplace=0.8,
                review_sites=0.7,
                brand_site=0.6,
                friends=0.8,
                influencer=0.1,
            ),
        ),
        "65+": AgeGroup(
            share=0.18,
            habits=dict(
                search=0.8,
                social_video=0.1,
                marketplace=0.5,
                review_sites=0.5,
                brand_site=0.6,
                friends=1.0,
                influencer=0.05,
            ),
        ),
    }


class Population(Strict):
    """Who is in the market and how they are grouped into buying units."""

    n_consumers: int = Field(10_000, ge=1, le=20_000_000)
    """People in the market (assumption: a classroom-sized town)."""
    market: Literal["b2c", "b2b"] = "b2c"
    """b2c: each person is a buying unit of one; b2b: buying centres (Webster & Wind 1972)."""
    influencers_per_unit: int = Field(2, ge=0, le=20)
    """B2B only: influencers in a buying centre besides the buyer (assumption; Gartner 2019: 6-10 people)."""
    end_users_per_unit: int = Field(3, ge=1, le=50)
    """B2B only: end users living with the product (assumption)."""
    influencer_weight: Probability = 0.5
    """B2B only: weight of influencers' attitudes in the unit's choice; the buyer has the rest (assumption)."""
    p_need_daily: Probability = 0.0055
    """Daily chance that a latent need becomes active without any stimulus (assumption: ~2 a year)."""
    need_heterogeneity: float = Field(2.0, gt=0.0, le=100.0)
    """Gamma shape of person-to-person need rates: smaller = more heterogeneous (assumption)."""
    age_groups: dict[str, AgeGroup] = Field(default_factory=_default_age_groups)
    """Age groups with their platform habits; shares must sum to 1."""
    n_social_influencers: int = Field(10, ge=0)
    """People with a social-media audience (assumption)."""
    influencer_audience: int = Field(500, ge=0)
    """Followers per social influencer (assumption: micro-influencers); with a preferential
    follower graph, the mean."""
    influencers_from: Literal["random", "hubs"] = "random"
    """Who the social influencers are: random people (assumption: the model before this
    setting), or the best-connected people of the social network, its hubs (Goldenberg, Han,
    Lehmann & Hong 2009, J. Marketing: hubs adopt early and speed diffusion; seeding hubs won
    several times the referrals of random seeding, Hinz, Skiera, Barrot & Becker 2011,
    J. Marketing). In a mixed market (no ties) hubs are random people."""
    follower_graph: Literal["random", "preferential"] = "random"
    """Who follows whom: `influencer_audience` random people each (random: the model before this
    setting), or by preferential attachment (Barabasi & Albert 1999): each follow goes to an
    influencer with chance proportional to its followers so far plus its social ties + 1 (a
    Polya urn: unequal audiences, the best-connected gather the most) and comes from a random
    person, as in Barabasi & Albert's model, where the newcomer attaching is anyone and only the
    target is chosen by popularity. (Until 2026-11-30 follows also came from people in
    proportion to their ties; that piled the posts on hubs who followed several influencers and
    had heard everything already, and made seeding hubs lose customers.)"""

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Population:
        total = sum(g.share for g in self.age_groups.values())
        if not self.age_groups or abs(total - 1.0) > 1e-6:
            raise ValueError(f"age_groups shares must sum to 1, got {total:.4g}")
        return self


class Network(Strict):
    """The social network that word of mouth travels along."""

    kind: Literal["small_world", "scale_free", "cliques", "mixed"] = "small_world"
    """small_world (Watts & Strogatz 1998), scale_free (Barabasi & Albert 1999), cliques
    (Goldenberg, Libai & Muller 2001: strong-tie cliques plus weak ties), or mixed (everyone
    meets everyone: the Bass 1969 mean-field assumption)."""
    mean_degree: int = Field(10, ge=2, le=200)
    """Contacts per person for small_world and scale_free (assumption)."""
    rewire_p: Probability = 0.1
    """small_world: share of ties rewired to random people (Watts & Strogatz 1998 range)."""
    clique_size: int = Field(8, ge=2, le=200)
    """cliques: strong-tie group size (Goldenberg et al. 2007 baseline: 8)."""
    weak_ties: int = Field(8, ge=0, le=200)
    """cliques: weak ties per person (Goldenberg et al. 2007 baseline: 8)."""
    p_message_strong: Probability = 1.0
    """Chance a message sent to a strong tie is heard (Goldenberg 2001 q_strong as a share; assumption 1)."""
    p_message_weak: Probability = 1.0
    """Chance a message sent to a weak tie is heard (assumption 1: no tie-strength discount)."""
    talk_scales_with_degree: bool = False
    """Talkers send messages in proportion to their contacts (degree / mean degree): hubs reach
    more people, which is what makes them hubs (Goldenberg, Han, Lehmann & Hong 2009). Off (the
    model before this setting): everyone sends the same number whatever their ties (assumption)."""


class Presence(Strict):
    """Chance that research on a platform finds the brand (0 = absent, 1 = everywhere)."""

    search: Probability = 0.8
    """Search engines (assumption: a typical established brand)."""
    social_video: Probability = 0.3
    """Social video and photo platforms (assumption)."""
    marketplace: Probability = 0.7
    """Marketplaces; 55% of product searches start on Amazon (TechCrunch 2022) (assumption)."""
    review_sites: Probability = 0.6
    """Third-party review and rating sites (assumption)."""
    brand_site: Probability = 0.6
    """The brand's own site, FAQ, chat and IVR (assumption)."""


class Brand(Strict):
    """A brand in the market: the product, its price, its delivery and its levers."""

    quality: float = Field(4.0, ge=1.0, le=5.0)
    """Mean private rating (1-5 stars) of a problem-free experience (assumption)."""
    satisfaction_sd: float = Field(0.7, ge=0.0, le=5.0)
    """Spread of private ratings between people (assumption)."""
    p_problem: Probability = 0.08
    """Chance a unit has a product problem (assumption)."""
    price: float = Field(50.0, gt=0.0)
    """Price per purchase in USD (assumption)."""
    unit_cost_usd: float = Field(25.0, ge=0.0)
    """Cost of goods per unit sold in USD; margin = price - unit cost. Half the default price:
    household products' gross margin was 50.6% (Damodaran, margins by sector, Europe, January
    2019); returned units are written off (assumption)."""
    p_late_delivery: Probability = 0.08
    """Chance of a late delivery, partly outside the brand's control (assumption)."""
    p_damaged: Probability = 0.02
    """Chance the product arrives damaged (assumption)."""
    p_contact_service: Probability = 0.5
    """Chance a customer with a problem contacts service unprompted (assumption)."""
    p_service_resolves: Probability = 0.6
    """Chance customer service resolves a reported problem (assumption)."""
    p_onboarded: Probability = 0.5
    """Chance an end user is well onboarded (assumption; Kriss 2014 links experience to renewal)."""
    shelf_quality: float = Field(0.5, ge=0.0, le=1.0)
    """Product page / shelf quality at FMOT: photos, sizes, price shown, availability (assumption)."""
    in_stock: Probability = 1.0
    """Chance the brand is on the shelf (in stock) when a buyer gets there; out of stock, the
    buyer chooses among the rest or walks away. Default 1 (assumption: never out of stock);
    retail out-of-stock rates average 8.3% worldwide (Gruen, Corsten & Bharadwaj 2002)."""
    faq_coverage: Probability = 0.4
    """Share of pre-purchase questions the brand's FAQ answers (assumption)."""
    influencer_presence: Probability = 0.1
    """Chance influencer content a researcher sees features the brand (assumption)."""
    initial_share: Probability = 0.1
    """Share of buying units that are customers on day 0 (assumption)."""
    initial_awareness: Probability = 0.5
    """Share of people aware of the brand on day 0 (assumption)."""
    initial_reviews: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=lambda: [0, 0, 0, 0, 0], min_length=5, max_length=5
    )
    """Reviews the brand has already collected on day 0, per star [1, 2, 3, 4, 5]: an
    established brand's stock, which research reads like reviews posted in the run. Default none
    (assumption: the model before this setting); online ratings are J-shaped, mostly 5 stars
    with some 1s (Hu, Pavlou & Zhang 2009)."""
    silenced_sources: list[SourceName | Literal["word_of_mouth", "negative_word_of_mouth"]] = Field(
        default_factory=list
    )
    """Sources where the brand reaches nobody: research there finds nothing about it, its
    word of mouth (or only its critics' negative word of mouth) is unheard (counterfactual arms
    of `mot attribute` and of the cost of bad news; default none)."""
    presence: Presence = Field(default_factory=Presence)
    """Chance that research on each platform finds the brand."""
    strategies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Strategies this brand runs, by registry name; validated by `sim.strategies`."""


class Triggers(Strict):
    """What turns a latent need into research at <ZMOT."""

    p_trigger_ad: Probability = 0.02
    """Chance an ad exposure starts a need (assumption)."""
    p_trigger_wom: Probability = 0.1
    """Chance a positive message starts a need (assumption; Goldenberg 2007 q_strong = 0.04 per period)."""
    p_trigger_influencer: Probability = 0.03
    """Chance an influencer post starts a need in a follower (assumption)."""
    new_category: bool = False
    """A genuinely new category (the iPad in 2010, in the seeds): a need becomes active on its
    own only in units whose buyer is aware of some brand of the category, since nobody searches
    for what they do not know exists; stimuli (ads, messages, posts) still start journeys and
    make people aware. Default off: an established category whose need everyone knows."""


class Research(Strict):
    """ZMOT: how many sources people consult and how much each moves them."""

    mean_sources: float = Field(10.4, ge=0.0, le=100.0)
    """Sources consulted per decision: 10.4 (Google ZMOT study 2011, 5,000 shoppers)."""
    mean_days: Days = 7.0
    """Mean days of research (assumption)."""
    low_involvement_share: Probability = 0.0
    """Share of buying units with low involvement in the category (Zaichkowsky 1985), who
    research less: Think with Google, 53% of shoppers research before buying. Default 0:
    a considered purchase everyone researches (assumption)."""
    low_involvement_days: Days = 0.0
    """Mean days of research of a low-involvement buyer; 0 = straight to the shelf (assumption)."""
    low_involvement_sources: float = Field(0.0, ge=0.0, le=100.0)
    """Mean sources a low-involvement buyer consults; 0 = an impulse buy on what they already
    think (assumption)."""
    weight_presence: float = Field(0.05, ge=0.0, le=5.0)
    """Attitude gain from finding the brand on a platform (assumption)."""
    weight_reviews: float = Field(0.6, ge=0.0, le=5.0)
    """Attitude change from reading reviews, per star away from 3 over 2 (assumption)."""
    reviews_half_credibility: float = Field(20.0, gt=0.0)
    """Reviews at which review content is half-credible (assumption)."""
    review_half_life_days: Days = 0.0
    """Reviews age: research weighs a review 0.5 ** (age / half-life), for both credibility (the
    review count) and the mean rating, so recent reviews count most (BrightLocal Local Consumer
    Review Survey 2020: 73% of consumers pay attention only to reviews written in the last
    month). 0 = off, reviews never age (assumption: the model before this setting)."""
    reply_rating_bonus: float = Field(0.12, ge=0.0, le=1.0)
    """Stars gained when all negative reviews are replied to (Proserpio & Zervas 2017: +0.12)."""
    weight_faq: float = Field(0.15, ge=0.0, le=5.0)
    """Attitude gain from an answered question; the same loss from an unanswered one (assumption)."""
    weight_friend: float = Field(0.2, ge=0.0, le=5.0)
    """Attitude change from asking an advocate or critic friend (assumption: friends are trusted
    most; larger values make two equal brands tip into winner-take-all markets)."""
    weight_influencer: float = Field(0.15, ge=0.0, le=5.0)
    """Attitude gain from influencer content featuring the brand (assumption)."""


class Choice(Strict):
    """FMOT: a logit choice among the brands the unit knows, or walking away."""

    weight_attitude: float = Field(3.0, ge=0.0, le=50.0)
    """Utility per unit of attitude (assumption)."""
    price_sensitivity: float = Field(1.5, ge=0.0, le=50.0)
    """Utility lost per doubling of price relative to the market mean (assumption)."""
    weight_shelf: float = Field(1.0, ge=0.0, le=50.0)
    """Utility per unit of shelf / product page quality (assumption)."""
    walk_away_utility: float = Field(0.0, ge=-50.0, le=50.0)
    """Utility of buying nothing (assumption)."""
    p_showrooming: Probability = 0.2
    """Chance the buyer checks prices on a phone at the shelf (assumption)."""
    showrooming_price_factor: float = Field(2.0, ge=1.0, le=20.0)
    """Price sensitivity multiplier while showrooming (assumption)."""
    p_loop_back_on_dissent: Probability = 0.0
    """B2B only: chance a buying centre whose buyer and influencers favour different brands
    goes back to research instead of choosing (Gartner 2019: B2B buyers loop back and forth
    between research, supplier selection and consensus; value: assumption). 0 = the journey
    is a strict sequence."""


class Experience(Strict):
    """SMOT: delivery, use, onboarding and service."""

    delivery_days: Days = 3.0
    """Days to deliver (assumption)."""
    late_extra_days: Days = 4.0
    """Extra days of a late delivery (assumption)."""
    use_days: Days = 14.0
    """Days of use before the experience is judged (assumption)."""
    penalty_late: float = Field(0.5, ge=0.0, le=5.0)
    """Stars lost for a late delivery (assumption)."""
    penalty_damaged: float = Field(1.5, ge=0.0, le=5.0)
    """Stars lost for a damaged delivery not made good (assumption)."""
    penalty_problem: float = Field(2.5, ge=0.0, le=5.0)
    """Stars lost for an unresolved problem (assumption)."""
    recovery_bonus: float = Field(0.3, ge=-5.0, le=5.0)
    """Stars gained when a problem is resolved: the service-recovery effect (assumption)."""
    onboarding_gain: float = Field(0.5, ge=0.0, le=5.0)
    """B2B: stars gained by a well-onboarded end user, lost by a poorly onboarded one (assumption)."""
    p_return_if_unresolved: Probability = 0.4
    """Chance an unresolved problem or damage ends in a return (assumption)."""
    weight_own_experience: float = Field(0.8, ge=0.0, le=5.0)
    """Attitude change per star away from 3, over 2, from one's own experience (assumption)."""


class Feedback(Strict):
    """UMOT: reviews and word of mouth."""

    p_review_unsatisfied: Probability = 0.06
    """Review-posting chance for 1-2 stars (Chen, Zheng & Ceran, Blockbuster.com data)."""
    p_review_indifferent: Probability = 0.23
    """Review-posting chance for 3 stars (Chen, Zheng & Ceran)."""
    p_review_satisfied: Probability = 0.32
    """Review-posting chance for 4-5 stars (Chen, Zheng & Ceran)."""
    extremity_boost: float = Field(1.5, ge=1.0, le=10.0)
    """Multiplier on the posting chance at 1 and 5 stars: under-reporting bias (Hu, Pavlou & Zhang 2009)."""
    moan_boost: float = Field(5.0, ge=1.0, le=10.0)
    """Further multiplier at 1 star: the "moan" of very unhappy customers. At 5 a 1-star customer
    posts about as often as a 5-star one (0.45 vs 0.48): Hu, Pavlou & Zhang's (2009) brag-and-moan
    treats both extremes alike, and the very dissatisfied talk at least as much as the very
    satisfied (Anderson 1998, J. Service Research: U-shaped word of mouth); value: assumption."""
    moderate_reporting: float = Field(0.1, ge=0.0, le=1.0)
    """Multiplier on the posting chance of moderate (2-4 star) experiences: the under-reporting
    bias of Hu, Pavlou & Zhang (2009), whose brag-and-moan model has moderates never post (0);
    propensity to post is U-shaped in satisfaction (Dellarocas & Narayan 2006, Statistical
    Science). 1 = no under-reporting. Value: assumption (one in ten), chosen so the baseline's
    self-selected reviews are J-shaped with a margin: 5 stars the most common, 1-star reviews
    about twice the 3-star ones (the J's hook holds in expectation up to about 0.2)."""
    feedback_days: Days = 7.0
    """Days a fresh advocate or critic talks actively (assumption)."""
    messages_advocate: float = Field(3.0, ge=0.0, le=10_000.0)
    """Messages a fresh advocate sends: "satisfied customers tell 3 friends" (folk, seeds)."""
    negativity_ratio: float = Field(4.0, ge=0.0, le=10_000.0)
    """Messages of a critic per message of an advocate: a critic tells 12 where an advocate tells
    3, the middle of the 9-15 people a dissatisfied customer tells (TARP for the US Office of
    Consumer Affairs, secondary). With it the baseline's positive : negative messages are about
    2.7 : 1, near East, Hammond & Wright's (2007) 3 : 1 across 15 studies (Goldenberg et al.
    2007 use 2; folk: 1,000)."""
    loyal_messages_per_day: float = Field(0.01, ge=0.0, le=100.0)
    """Daily messages of an advocate owner after the feedback window (assumption)."""
    p_reject_on_negative: Probability = 0.1
    """Chance a negative message makes a hearer who does not own the brand rule it out for good:
    Goldenberg et al.'s (2007) rejecters (their value: 1). Negative word of mouth lowers the
    hearer's purchase probability, by less than positive word of mouth raises it and least for
    brands the hearer already favours (East, Hammond & Lomax 2008, IJRM); 0.1, one hearer in ten
    put off for good and owners never, is an assumption within that finding."""
    weight_wom: float = Field(0.1, ge=0.0, le=5.0)
    """Attitude change per message heard (assumption: friends are trusted more than ads, whose
    exposure moves attitude 0.02; at 0.3 two equal brands often tip into winner-take-all)."""


class Loyalty(Strict):
    """The loyalty loop: what happens when the need recurs."""

    repurchase_days: Days = 120.0
    """Mean days until a customer's need recurs; 0 = never (assumption)."""
    p_rebuy_direct_satisfied: Probability = 0.7
    """Chance a satisfied (4-5 stars) customer rebuys without research (assumption; McKinsey loop)."""
    p_rebuy_direct_indifferent: Probability = 0.3
    """Chance a 3-star customer rebuys without research (assumption)."""
    p_leave_category: Probability = 0.05
    """Chance a customer leaves the category when the need recurs (assumption)."""
    leave_polarisation: float = Field(0.0, ge=0.0, lt=1.0)
    """Spread of customers' own chances of leaving: each unit draws one from a Beta with mean
    `p_leave_category` and polarisation 1/(a+b+1); 0 = all alike. Heterogeneous churn gives the
    shifted-beta-geometric retention curve (Fader & Hardie 2007); assumption 0."""
    fixed_cycle: bool = False
    """Needs recur exactly every `repurchase_days` (a subscription renewal) instead of after a
    memoryless random time (assumption: off)."""


class Economics(Strict):
    """Money over time: what a customer is worth."""

    discount_rate: float = Field(0.10, ge=0.0, le=1.0)
    """Annual rate at which future margin is discounted in customer lifetime value (assumption:
    a typical cost of capital of 8-12% a year)."""
    clv_horizon_days: int = Field(365, ge=1, le=3650)
    """Days of a customer's life counted in lifetime value; they must be observable in the
    window (Kaplan-Meier), i.e. at most warm-up + days (assumption: one year)."""


class Scenario(Strict):
    """A market and the brands' strategies: everything a run needs."""

    name: str = Field("scenario", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    """Names the results folder; defaults to the file's stem (letters, digits, _ . - only)."""
    description: str = ""
    """What question the scenario answers."""
    days: int = Field(365, ge=1, le=3650)
    """Days measured (the window); one step is one day (assumption: a year shows one-year
    retention)."""
    warmup_days: int = Field(0, ge=0, le=3650)
    """Days the market runs before the measured window, so that KPIs, daily tables and charts
    describe a settled market rather than the initial state; strategies switch on when the
    window starts. 0 = a launch, measured from the initial state. The shipped baseline sets it
    from a measured criterion (`python -m sim.validation.settle`, docs/kpis.md); the default 0 is an
    assumption."""
    replications: int = Field(1, ge=1, le=10_000)
    """Runs on derived seeds, for confidence intervals."""
    seed: int = Field(42, ge=0)
    """Base seed; replication seeds derive from it (common random numbers across scenarios)."""
    population: Population = Field(default_factory=Population)
    network: Network = Field(default_factory=Network)
    brands: dict[str, Brand] = Field(default_factory=lambda: {"focal": Brand(), "rival": Brand()})
    """The focal brand (whose strategies are studied) and its competitors."""
    triggers: Triggers = Field(default_factory=Triggers)
    research: Research = Field(default_factory=Research)
    choice: Choice = Field(default_factory=Choice)
    experience: Experience = Field(default_factory=Experience)
    feedback: Feedback = Field(default_factory=Feedback)
    loyalty: Loyalty = Field(default_factory=Loyalty)
    economics: Economics = Field(default_factory=Economics)

    @model_validator(mode="after")
    def _has_focal_brand(self) -> Scenario:
        if "focal" not in self.brands:
            raise ValueError("brands must include a 'focal' brand")
        if len(self.brands) > 8:
            raise ValueError("at most 8 brands")
        if sum(b.initial_share for b in self.brands.values()) > 1.0 + 1e-9:
            raise ValueError("brands' initial_share values must sum to at most 1")
        return self

    @property
    def brand_names(self) -> list[str]:
        """Brand names, focal first, then competitors in file order."""
        return ["focal"] + [n for n in self.brands if n != "focal"]
