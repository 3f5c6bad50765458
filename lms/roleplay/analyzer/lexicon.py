"""Word lists and patterns of the reply analyzer's rules (declarative data: one pattern family per helping behaviour
or red flag; the rules that apply them are in ``rules.py``)."""

from __future__ import annotations

import re

BRACKETS = re.compile(r"\[[^\]]*\]")
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": " - ", "\u2013": " - "})
TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)?%?|\?")
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\s+--+\s*|\s-\s")
FILLERS = frozenset(
    "so and okay ok well yeah yes um uh uhm mm hmm mhm hm right alright now but then oh all oh ah like just "
    "gotcha sure great good".split()
)
WH = frozenset("what how why when where who which whose whom".split())
AUX = frozenset(
    "do does did are is am was were have has had can could would will should shall may might "
    "isn't aren't wasn't weren't don't doesn't didn't haven't hasn't hadn't can't couldn't wouldn't won't "
    "shouldn't".split()
)
WH_NEXT = frozenset(
    "happened happens else about kind sort brings brought made makes helped helps led changed matters worries "
    "concerns would could might gets got comes came goes went stands stops keeps".split()
)
WH_CONTRACTED = frozenset("what's how's where's who's why's when's what'd how'd what're".split())
YOU = frozenset("you your you're you've you'd you'll yourself yours".split())
ME = frozenset("i me my i'm i've i'd i'll myself mine".split())

STOP = frozenset(
    "a an the and or but so to of in on at for with about from by as is are was were be been being it its it's "
    "that that's this these those there here i you he she we they me him her us them my your his our their "
    "do does did have has had not no yes yeah okay ok um uh mm hmm just really very like know think".split()
)


def rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


OPEN_PROMPT = rx(
    r"^(?:(?:so|and|okay|ok|well|now|yeah|alright|um|uh),?\s+)*(?:can|could|would|will) you (?:please )?"
    r"(?:tell me|say (?:a bit |a little )?more|share|describe|talk (?:to me )?(?:a bit |a little )?(?:more )?about|"
    r"help me understand|walk me through|give me an example)",
    r"^(?:(?:so|and|okay|ok|well|now|yeah|alright|um|uh|please),?\s+)*(?:tell me|say (?:a bit |a little )?more|"
    r"talk (?:to me )?(?:a bit |a little )?(?:more )?about|walk me through|help me understand|describe|"
    r"share (?:a bit |a little )?(?:more )?(?:about|with me)|give me an example|fill me in)",
    r"\bi(?:'m| am) (?:curious|wondering|interested) (?:about|what|how|why|where|when|who|in hearing)",
    r"\bi wonder (?:what|how|why|where|when|who)",
    r"\bi(?:'d| would) (?:love|like) to (?:hear|know|understand|learn) (?:more|about|what|how|why)",
)
CLOSED_PROMPT = rx(
    r"\bi(?:'m| am) (?:curious|wondering) (?:if|whether)\b",
    r"\bi wonder (?:if|whether)\b",
)
OPEN_START = frozenset("what how why tell describe walk help say talk share explain".split())
CLOSED_HOW = re.compile(r"^how (?:many|much|often|long|old|far|soon|come)\b")
TAG_QUESTION = re.compile(
    r"(?:,|\b(?:is|was|does|did|do|are|were|have|has|would|will|can|could)n't (?:it|that|you|they|he|she|there|we)"
    r"|\bright|\bcorrect|\bokay|\bok|\byeah|\bno)\s*\?$"
)

STOCK_REFLECTION = rx(
    r"\b(?:it|this|that) (?:sounds|seems|feels) (?:like|as if|as though)\b",
    r"\bsounds? (?:like|as if) you\b",
    r"\bit (?:seems|sounds|looks) (?:that|to me that|to me like)? ?you\b",
    r"\byou seem (?:to|like|really|pretty|quite|so|very|a bit|kind of|\w+ed\b)",
    r"\b(?:so|and) (?:what )?you(?:'re| are) saying\b",
    r"\bwhat i(?:'m| am) hearing\b",
    r"\bi(?:'m| am)? hearing (?:you|that)\b",
    r"\bi (?:can )?hear (?:you|that|how|what|the)\b",
    r"\bi can (?:see|tell|hear) (?:that |how (?:much )?)?(?:you|you're|you've|this|it)\b",
    r"\bif i(?:'m| am)? (?:understand|understanding|hearing) (?:you|this|that|correctly|right)",
    r"\byou(?:'re| are)? (?:feel|feeling|felt)\b",
    r"\byou(?:'ve| have) been feeling\b",
    r"^(?:(?:and|but|yeah|okay|ok|well|mm|hmm),?\s+)*so,? you\b",
    r"\bpart of you\b",
    r"\bon (?:the )?one hand\b",
    r"\bno wonder you\b",
    r"\b(?:that|it) must (?:be|have been|feel)\b",
    r"\bit makes sense (?:that|you|why)\b",
    r"\bthat(?:'s| is| has been| sounds?) (?:so |really |very |incredibly |pretty |a lot |such )*"
    r"(?:hard|painful|difficult|tough|scary|frightening|exhausting|overwhelming|lonely|frustrating|heavy|rough|"
    r"upsetting|confusing|stressful|heartbreaking|a lot to carry|a lot)\b",
)
EMOTION = (
    r"(?:angry|mad|anxious|afraid|scared|terrified|frightened|worried|frustrated|overwhelmed|exhausted|tired|sad|"
    r"lonely|alone|hopeless|helpless|hurt|ashamed|embarrassed|guilty|stuck|torn|confused|nervous|stressed|upset|"
    r"disappointed|relieved|proud|excited|hopeful|unsure|uncertain|fed up|worn (?:out|down)|drained|discouraged|"
    r"isolated|betrayed|trapped|numb|lost|grieving|heartbroken|resentful|irritated|annoyed|desperate|worthless|"
    r"determined|motivated|conflicted|ambivalent|uneasy|on edge|jealous|let down|left out|invisible|ignored|"
    r"judged|tense|restless|down|low|empty|ready|done|struggling|grateful|happy|pleased|glad|surprised|shocked|"
    r"sick of|tired of|angry at|mad at|worried about|afraid of|scared of|exhausted by|frustrated with|"
    r"disappointed in|proud of|ashamed of)"
)
FEELING_REFLECTION = re.compile(
    r"\byou(?:'re| are|'ve been| have been| were| seem| sound| felt| feel)? (?:really |pretty |so |quite |very |"
    r"kind of |sort of |a bit |a little |a little bit |still |also |both |just |starting to feel |getting )*"
    + EMOTION
    + r"\b"
)
# A declarative sentence about the person ("You'd rather keep the job.", "Your sister's visits wear you down.").
YOU_STATEMENT = re.compile(
    r"^(?:(?:and|but|so|yeah|okay|ok|well|mm|hmm|mm-hmm|right|now|sounds like|like),?\s+)*"
    r"(?:you|your|you're|you've|you'd|you'll|yourself)\b"
)
COMPLEX_CUE = rx(
    r"\bpart of you\b",
    r"\bon (?:the )?one hand\b",
    r"\b(?:even though|even if|and yet|at the same time|underneath|deep down)\b",
    r"\byou(?:'re| are) (?:wondering|not sure|torn|afraid|worried|scared|hoping|ready)\b",
    r"\bit(?:'s| is) (?:like|as if)\b",
    r"\b(?:important|matters|means a lot|values?|care about|cares about)\b",
    r"\bmaybe (?:you|it)\b",
    r"\bwhat you really want\b",
    r"\bno wonder\b",
    r"\bit makes sense\b",
    FEELING_REFLECTION.pattern,
)

AFFIRMATION = rx(
    r"\byou(?:'ve| have) (?:really |clearly |already |also )*"
    r"(?:worked (?:so |really )?hard|been working (?:so |really )?"
    r"hard|done (?:a lot|so much|a great|an amazing|really well|well|the hard)|made (?:real |a lot of |so much |"
    r"some )?(?:progress|changes|a big step|it through)|come (?:a long way|so far)|shown|put (?:in )?(?:a lot|so much)|"
    r"managed to|kept (?:going|at it|trying)|taken (?:a big|an important|a brave|the first)|survived|stuck with|"
    r"been (?:so |really )?(?:brave|strong|honest|persistent|resourceful)|handled|stayed (?:sober|committed))",
    r"\b(?:that|it|this) (?:took|takes) (?:a lot of |real |so much |some )?(?:courage|guts|strength|bravery|"
    r"determination|commitment|effort|work)\b",
    r"\b(?:that|it|this) (?:took|takes) a lot\b",
    r"\btook (?:real |a lot of |so much |some )?(?:courage|guts|strength|bravery|determination|commitment)\b",
    r"\b(?:that|this) was (?:really |so |very )?(?:brave|courageous|a big step|a huge step)\b",
    r"\byou(?:'re| are) (?:really |so |very |clearly |obviously |such |a )*"
    r"(?:strong|brave|resourceful|committed|determined|resilient|persistent|courageous|capable|thoughtful|caring|"
    r"survivor|fighter|a good (?:dad|mom|father|mother|friend|parent))\b",
    r"\bi (?:really )?admire\b",
    r"\byou (?:should|can|could) be (?:really |very )?proud\b",
    r"\bi(?:'m| am) (?:really |so |very )?(?:impressed|proud of you)\b",
    r"(?<!be )(?<!it's )\bgood for you\b(?! to\b)|\bwell done\b|(?<!a )(?<!the )\b(?:great|good) job\b|\bnice work\b",
    r"\b(?:that's|that is|what) (?:a |such a )?(?:big|huge|real|great|important|brave|courageous) "
    r"(?:step|accomplishment|achievement|strength|thing to do)\b",
    r"\bshows? (?:how much you|that you (?:care|really|are|have)|real (?:strength|courage)|a lot of (?:strength|"
    r"courage|commitment))",
    r"\byour (?:strength|courage|commitment|determination|persistence|honesty|effort|resilience|hard work)\b",
    r"\bthank you for (?:sharing|telling me|trusting|being (?:so )?(?:honest|open)|opening up)\b",
    r"\bthanks for (?:sharing|telling me|trusting|being (?:so )?(?:honest|open)|opening up)\b",
)

# Advice in any sentence, questions included ("Have you tried ...?", "Why don't you ...?").
ADVICE_ANY = rx(
    r"\byou (?:really |just |probably |definitely |absolutely |honestly |seriously )*(?:should(?!n't)|ought to|"
    r"had better|'d better)\b(?! be (?:really |very |so )?proud)",
    r"\bshouldn't you\b",
    r"\byou'd (?:really |just )?(?:better|be better off)\b",
    r"\bhave you (?:ever )?(?:tried|considered \w+ing|thought (?:about|of) \w+ing)\b",
    r"\bwhy (?:don't|do not|can't) you\b",
    r"\bwhy not (?:just )?\w+",
    r"\bi (?:would |'d |really |strongly |just )?(?:suggest|recommend|advise|urge)\b",
    r"\bi'd (?:suggest|recommend|advise)\b",
    r"\bmy (?:advice|suggestion|recommendation)\b",
    r"\bif i were you\b",
    r"\bwhat if you (?:tried|just|started|stopped|went|called|talked)\b",
    r"\b(?:can't|couldn't) you just\b",
    r"^(?:(?:so|and|well|okay|ok|then|but),?\s+)*maybe (?:just )?try\b",
)
# Advice only in statements: in a question these ask about the person's situation ("Do you need to work?",
# "Is there anyone you could talk to?").
ADVICE_STATEMENT = rx(
    r"\byou (?:really |just |probably |definitely |absolutely |honestly |seriously )*(?:need to|have to|must|gotta|"
    r"got to|better)\b",
    r"\bwhat you (?:need|have|ought|should|want) (?:to do )?is\b",
    r"\bthe (?:best|only|first) thing (?:to do |you can do |you should do |for you )?is\b",
    r"\bmake sure (?:you|to)\b",
    r"\b(?:you|maybe you) (?:could|might|can) (?:always |just |also )?(?:try|consider|start|stop|go|get|join|"
    r"think about|cut|take|talk to|switch|use|avoid|quit)\b",
    r"\byou might want to\b",
    r"\bit (?:might|would|could|may) (?:help|be (?:good|better|a good idea|helpful|wise)) (?:to|if you|for you to)\b",
    r"\bit'd (?:help|be (?:good|better|a good idea|helpful)) (?:to|if you)\b",
    r"\btry (?:to|not to|and|some|a|an|the|this|that|it|out|\w+ing)\b",
    r"\bjust (?:ignore|get over|relax|stop|try|move on|let it go|focus|tell (?:him|her|them))\b",
    r"^(?:(?:so|and|well|okay|ok|now|then|but|honestly|maybe),?\s+)*(?:please |just |definitely |really )?"
    r"(?:go|stop|take (?!your time)|get|quit|avoid|start|put|drink|eat|exercise|sleep|breathe|relax|leave|find|write|"
    r"keep|cut|join|ask|delete|block|throw|pour|tell (?:him|her|them|your)|don't (?!worry)(?!know)\w+|do not \w+|"
    r"never \w+|think about|remember to|consider|focus on)\b",
)
ADVICE = re.compile(ADVICE_ANY.pattern + "|" + ADVICE_STATEMENT.pattern)
DISGUISED_ADVICE = re.compile(
    r"\bwhy (?:don't|do not|can't|cannot|wouldn't) you\b|\bwhy not\b"
    r"|^(?:(?:so|and|well|okay|ok),?\s+)*maybe (?:just )?try\b"
)
# A bare acknowledgement ("Yeah, I get that.") gives neither information nor advice.
ACKNOWLEDGEMENT = re.compile(
    r"^(?:(?:yeah|yes|okay|ok|right|sure|mm-hmm|mm|hmm|uh-huh|oh|ah|wow|so),?\s*)*"
    r"(?:i (?:get|see|understand|hear|know)(?: (?:that|it|you|what you mean))?|got it|(?:that )?makes sense|of course)"
    r"[\s.!]*$"
)
# Autonomy support and collaboration ("You don't have to decide today", "Let's look at it together"): not reflections.
AUTONOMY = rx(
    r"\byou (?:don't|do not) have to\b",
    r"\b(?:it's|it is) (?:okay|ok|alright|all right|fine) (?:to|if)\b",
    r"\b(?:up to you|your (?:choice|call|decision)|take your time|no rush|no pressure)\b",
    r"^(?:(?:so|and|well|okay|ok|now|maybe),?\s+)*(?:let's|let us|we (?:could|can) (?:try|look|talk|start|work))\b",
)
ADVICE_EXCLUDE = re.compile(r"\byou don't have to\b|\byou do not have to\b|\bup to you\b")

INFORMATION = rx(
    r"\b(?:research|studies|evidence|data|science) (?:shows?|suggests?|says|has shown|have shown|tells us)\b",
    r"\b(?:studies|research) (?:found|find)\b",
    r"\b988\b",
    r"\b(?:life ?line|hotline|crisis (?:line|text line|center|team)|warm ?line|helpline)\b",
    r"\b(?:is|are|it's|that's) (?:really |very |quite |pretty |so |actually )?(?:common|normal|typical|usual) "
    r"(?:for|to|when|after|in|among|with)\b",
    r"\b(?:many|most|a lot of|lots of) (?:people|folks|others|of us)(?: in recovery)? (?:find|experience|have|feel|"
    r"go through|struggle|notice|say|report|get)\b",
    r"\b(?:there's|there is|there are) (?:a |an |some |several |free |local |peer )*(?:support )?(?:group|program|"
    r"service|meeting|class|clinic|resource|app|number|line|option)s?\b",
    r"\b(?:the|our|this) (?:program|group|clinic|center|centre|service|meeting|team|class)e?s? "
    r"(?:offers?|meets?|has|have|runs?|is open|is available|provides?|starts?)\b",
    r"\b(?:is|are) (?:available|open|free) (?:24|around the clock|any ?time|every|on|to)\b",
    r"\byou can (?:call|text|reach|find|get|chat|contact|visit|sign up|come|drop in)\b",
    r"\b(?:confidential|confidentiality|private|privacy)\b.*\b(?:except|unless|limits?|exceptions?)\b",
    r"\b(?:mandated|mandatory) report",
    r"\bi (?:would |'d |will |'ll )?(?:have|need) to (?:tell|share|report|let|involve|call|contact)\b",
    r"\b(?:hipaa|42 cfr|the law requires|by law)\b",
    r"\bside effects?\b",
    r"\b\d+(?:\.\d+)? ?(?:%|percent)\b",
    r"\bwhat (?:helped|worked for) me\b",
)

MINIMIZING = rx(
    r"(?:^|[,;] |\band |\bbut |\bwell,? )at least (?:you|your|it|it's|he|she|they|we|that|this|there|the|nobody|"
    r"no one|nothing)\b",
    r"\b(?:it|things|that|this) could (?:always )?(?:be|have been) (?:a lot |much |so much )?worse\b",
    r"\bcould be worse\b",
    r"\b(?:don't|do not|dont|no need to|try not to) (?:you )?worry\b",
    r"\bstop worrying\b",
    r"\b(?:it's|it is|that's|that is|it isn't|it's really) (?:not|nothing) (?:that|so|all that|really) "
    r"(?:bad|serious|big|hard)\b",
    r"\b(?:it's|that's|it is|that is) not (?:a|such a) big deal\b",
    r"\b(?:it's|that's) no big deal\b",
    r"\blook (?:on|at) the bright side\b",
    r"\bcheer up\b",
    r"\b(?:you'll|you will|it'll|it will|everything will|everything'll|things will|you're going to|it's going to|"
    r"everything's going to) (?:all )?(?:be|turn out) (?:just )?(?:fine|okay|ok|alright|all right|great)\b",
    r"\beverything happens for a reason\b",
    r"\b(?:other|some|many|lots of) people have it (?:a lot |much |way )?(?:worse|harder)\b",
    r"\b(?:just )?(?:think|stay|be) positive\b",
    r"\b(?:just )?(?:get|move) over it\b",
    r"\b(?:it's|that's|it is) (?:just |all )?(?:a phase|in your head)\b",
    r"\bcalm down\b",
    r"\byou(?:'re| are) (?:just )?over ?thinking\b",
    r"\beveryone (?:feels|goes through|gets|has) (?:that|this|like that|sad|anxious|down|it)\b",
    r"\b(?:it's|it is) not the end of the world\b",
    r"\bcount your blessings\b",
    r"\byou(?:'re| are) (?:so |really )?lucky\b",
    r"\bi know exactly how you feel\b",
    r"\bi(?:'ve| have) been through (?:much |a lot |way )?worse\b",
)

LABEL_TERMS = (
    r"addicts?|junkies?|druggies?|alcoholics|(?:an|the|a|typical|functioning) alcoholic"
    r"(?! (?:drinks?|beverages?|content|parents?))|crackheads?|tweakers?|drunks|(?:a|an|the|old) drunk(?! driv)|"
    r"schizophrenics?|psychos?|psychotics?|lunatics?|maniacs?|nut ?jobs?|nutcases?|retards?|"
    r"the (?:mentally ill|insane)|(?:a|the) bipolar|bipolars|borderlines?|frequent flyers?"
)
# Labels that define a person by a diagnosis or substance use, and clinical jargon: always flagged, even when quoted.
JUDGMENT_LABELS = rx(
    r"\b(?:" + LABEL_TERMS + r")\b",
    r"\bnon-? ?compliant\b|\bnot (?:being )?compliant\b|\bnoncompliance\b|\bnon-compliance\b",
    r"\b(?:in denial|drug[- ]seeking|attention[- ]seeking|manipulative|drama queen)\b",
    r"\bcommitted suicide\b",
    r"\b(?:stay|stayed|staying|get|getting|got|been|are you|were you|you're|you were|still|be) clean\b",
    r"\bdirty (?:urine|drug test|test|screen|ua|sample)\b",
    r"\b(?:test|tested|came back|urine) (?:was |is |came back )?dirty\b",
    r"\bmental case\b",
)
# Judging words and blaming questions; not flagged when the trainee reports what others think ("you worry people
# will think you're crazy").
JUDGMENT_WORDS = rx(
    r"\b(?:you're|you are|you sound|you seem|you're being|you were being|that's|that is|that was|this is|how|it's|"
    r"he's|she's|they're|sounds) (?:so |really |totally |just |being |kind of |a bit |pretty |completely |absolutely )*"
    r"(?:crazy|insane|nuts|mental|dramatic|overdramatic|hysterical|paranoid|irrational|unreasonable|childish|lazy|"
    r"weak|selfish|stupid|dumb|ridiculous|pathetic|disgusting|irresponsible|immature|silly|foolish|a mess|"
    r"too sensitive|oversensitive|overreacting|out of your mind|out of control|wrong to feel)\b",
    r"\b(?:you're|you are) (?:just |totally |completely )?overreacting\b",
    r"\bwhat were you thinking\b",
    r"\bhow could you (?:do|say|let|be so|even|ever|possibly|think)\b",
    r"\bwhy (?:would|on earth would|in the world would) you (?:ever )?\w+",
    r"\bshame on you\b",
    r"\byou should (?:be ashamed|know better)\b",
)
# "You might worry people think you're crazy" reports another's judgment; do not flag those.
JUDGMENT_REPORTED = re.compile(
    r"\b(?:think|thinks|thought|call|called|calls|say|says|said|labelled|labeled|treat|treated|feel like|worry|worried|"
    r"afraid|scared)\b[^.?!]{0,30}$"
)

SECRECY = rx(
    r"\bi(?:'ll| will| would|'d)? (?:never|not ever) (?:ever )?(?:tell|share|repeat|say|report|breathe a word)\b",
    r"\bi (?:won't|will not|wouldn't|would not) (?:ever )?(?:tell|share|repeat|say|report|mention)"
    r"(?: (?:it|this|that|anything|a word|what you (?:say|said|tell me|told me)))?(?: (?:to|with))? "
    r"(?:anyone|anybody|a soul|a single person|another person|your|the|a word)",
    r"\bi (?:won't|will not) (?:ever )?tell\b[^.?!]*\b(?:ever|no matter what|whatever|promise)\b",
    r"\bi (?:promise|swear|guarantee)[^.?!]{0,30}\b(?:won't|will not|never|not to|nobody|no one|no-one)\b",
    r"\b(?:this|it|that|everything|anything|what you (?:say|tell me|share)|whatever you (?:say|tell me|share)|"
    r"your secret)(?:'s| is| will| stays| will stay| is going to stay| remains| will remain| stay| is staying)"
    r"(?: stay| staying| remain)? (?:just |strictly |completely |totally )?(?:between (?:us|you and me|the two of us)|"
    r"with me|safe with me|our (?:little )?secret)",
    r"\b(?:your|the) secret(?:'s| is) safe\b",
    r"\b(?:he|she|they|nobody|no one)(?:'ll| will) never hear (?:a word |about it |anything )?"
    r"(?:from me|about (?:it|this))",
    r"\bi (?:won't|will not) (?:ever )?(?:tell|share|repeat|report|mention) (?:anything|what) you "
    r"(?:say|said|tell me|told me)[^.?!]{0,20}\b(?:promise|swear|ever)\b",
    r"\b(?:no one|nobody|no-one) (?:will|is going to|'ll|would) (?:ever )?(?:know|find out|hear)\b",
    r"\bi(?:'ll| will) keep (?:it|this|that|your secret|everything|anything|whatever|what you)[^.?!]{0,25}"
    r"(?:secret|to myself|between us|confidential|private)\b",
    r"\b(?:completely|totally|100%|100 percent|absolutely|always) (?:confidential|private|secret)\b[^.?!]{0,25}"
    r"\b(?:no matter what|whatever|always|ever|guarantee)",
    r"\bno matter what you (?:say|tell me|share|do)\b[^.?!]{0,40}\b(?:stay|stays|keep|secret|tell|between|private)",
    r"\b(?:stays?|keep|kept|secret|private|between us)\b[^.?!]{0,30}\bno matter what\b",
    r"\b(?:it|this|that|nothing|what you say)(?:'ll| will|'s| is)? (?:not |never )?(?:won't |will not |never )?"
    r"leave(?:s)? (?:this|the) room\b",
    r"\bwhat(?:'s| is) said here stays here,? (?:no matter what|always|forever|i promise|guaranteed)\b",
)
SECRECY_SAFE = rx(
    r"\b(?:can't|cannot|can not|won't|will not|couldn't|not able to|unable to|never) (?:ever )?(?:promise|guarantee)\b",
    r"\bcan't keep\b|\bcannot keep\b|\bwon't keep\b|\bnot keep (?:it|that|this) (?:a )?secret\b",
    r"\b(?:unless|except|exception|exceptions|limits?|but if|if you(?:'re| are) (?:at risk|in danger|going to|"
    r"thinking (?:of|about) (?:hurting|harming|killing))|safety|at risk|harm|hurt (?:yourself|someone)|mandated|"
    r"required to|have to (?:report|tell|share)|need to (?:report|tell|share)|988)\b",
)

LISTENING_I = re.compile(
    r"^(?:(?:so|and|okay|ok|well|yeah|now|but|um|uh),?\s+)*(?:i (?:hear|wonder|notice|see|get|understand|appreciate|"
    r"want to (?:make sure|check|understand|hear)|would like to|just want to check|can (?:see|hear|tell)|"
    r"think you|believe you|know (?:that|this|it)|will)|i'm (?:hearing|wondering|curious|glad|sorry|not sure|here|"
    r"noticing|going to)|i am (?:hearing|wondering|curious|glad|sorry|here)|i'd (?:like|love) to|let me)\b"
)
# A line of the speaker's own story: "I" as the subject of a past or personal-history verb, "when I ...",
# "my recovery", "years ago" - not "I noticed ...", "I was wondering ...", "I think ...".
NARRATIVE = rx(
    r"\bi (?:was|were|had|used to|went|got|did|felt|started|stopped|lost|spent|tried|found|struggled|relapsed|drank|"
    r"used|grew up|moved|left|quit|ended up|couldn't|didn't|wasn't|hit|remember when)\b"
    r"(?! (?:wondering|thinking|hoping|going to|gonna|just|curious|concerned|worried about you|noticing|told|asked))",
    r"\bi(?:'ve| have) (?:been (?:sober|clean|in recovery|through|there|in your shoes)|struggled|lost|relapsed)\b",
    r"\bwhen i (?:was|first|started|got|had|finally|hit|lost|went)\b",
    r"\bmy (?:own )?(?:recovery|story|addiction|drinking|using|depression|anxiety|diagnosis|illness|trauma|"
    r"childhood|divorce|ex|first (?:year|time|meeting)|family|mom|dad|mother|father|parents|wife|husband|partner|"
    r"kids?|son|daughter|brother|sister|sponsor)\b",
    r"\b(?:years|months) ago\b|\bback then\b|\bback in the day\b",
    r"\bi remember (?:my|when|how|being|feeling)\b|\bmy first (?:month|week|weeks|months|days)\b",
    r"^(?:for me,? )?what (?:helped|worked for) me\b|^for me,? what (?:helped|worked)\b",
    r"\b(?:for me|scared me|happened to me|me) too\b",
)

