#!/usr/bin/env python3
"""Generate the demo customer-support inbox `examples/data/demo_inbox.jsonl`.

The inbox belongs to a fictional-but-plausible business, "Clubhouse 24/7 Golf": unstaffed,
self-service TrackMan golf-simulator sites in Nova Scotia (Bedford, Dartmouth, Bayers Lake,
Truro, River Oaks, Stratford). Customers reach support only by SMS; operators answer by hand
and the pattern-learning library learns the canned replies.

All content is synthetic: every phrasing, slot value and out-of-scope question below was
written for this project. No third-party data is used.

How a message is made:
  1. pick a phrasing template of an intent and fill its slots (bay, site, time, party size, ...),
  2. apply SMS style: optional greeting / sign-off, casing, trailing punctuation, typographic
     apostrophes or dropped apostrophes, the occasional emoji,
  3. inject one or two typos (swap, drop, doubled letter) into ~15% of messages,
  4. drop near-duplicates (case / apostrophe / trailing punctuation-insensitive).
The messages are shuffled, each gets split "train" with probability 0.72 (else "val"), and the
file lists train first, then val, with ids `demo-<split>-<5 digit index>`.

Output (JSON Lines, UTF-8): {"id": ..., "text": ..., "intent": ..., "split": ...}; out-of-scope
messages (no canned reply fits) have intent "oos". The replay protocol warms up on "train" and
evaluates on "val".

Deterministic: the only randomness is one `random.Random(seed)` (default seed 20261123), and
only the Python 3 standard library is used, so

    python3 scripts/gen_demo_inbox.py [--out PATH] [--seed N]

writes byte-identical output every time. A summary goes to stderr.
"""

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

DEFAULT_SEED = 20261123
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "examples" / "data" / "demo_inbox.jsonl"

TRAIN_PROBABILITY = 0.72
OOS_SHARE = 0.08
TYPO_PROBABILITY = 0.15
MIN_PHRASINGS = 12

# ---------------------------------------------------------------------------------------------
# Data: intent -> (number of messages, phrasing templates). `{slot}` placeholders are filled
# from SLOTS below; a slot repeated in one template gets the same value.
# ---------------------------------------------------------------------------------------------

INTENTS = {
    "booking_new": (75, [
        "hi can i book {bay} for {day} at {time}?",
        "looking to book a sim for {n} people {day} around {time}",
        "do you have anything open {day} at {time}",
        "want to book {dur} at {site} {day}",
        "is {site} available {day} at {time} for {n} of us?",
        "how do i make a booking",
        "can I reserve a bay for {n} at {time} {day}",
        "any bays free at {site} {day}?",
        "need a tee time {day} {time}, {n} of us",
        "book me in for {time} {day} please",
        "trying to book online for {day}, just want to check there's space at {site}",
        "can you put us down for {dur} {day} at {time}? party of {n}",
        "first time here, how do we book a bay",
        "got room for {n} golfers at {site} {day}?",
        "is there a spot open at {time} tonight",
        "book?",
        "want to grab a bay {day} after work, maybe {time}",
        "what's the earliest i can book at {site} {day}",
        "can i get a booking for {n} ppl {day}",
    ]),
    "booking_change": (60, [
        "can i move my booking from {time} to {time2}",
        "need to change my {day} booking to {day2}",
        "hey is it possible to push our {time} back an hour",
        "booked {site} by mistake, meant {site2}. can you switch it",
        "can we switch our reservation to {time2} instead",
        "running late, can we shift our {time} start to {time2}?",
        "want to reschedule my booking under {name}",
        "can I change the date on my booking",
        "reschedule?",
        "can you move {name}'s booking to {day2}",
        "is there a way to edit my booking online? need a later time",
        "could you bump my {day} {time} to {time2}, same bay",
        "need to move our tee time earlier, {time2} if possible",
        "something came up, can we do {day2} instead of {day}",
        "can i change my booking from {bay} to {bay2}",
        "wrong day booked, meant {day2} not {day}",
    ]),
    "booking_cancel": (60, [
        "need to cancel my booking for {day}",
        "please cancel my {time} at {site}",
        "cancel booking under {name} for {day} pls",
        "we can't make it {day}, can you cancel",
        "how do I cancel a reservation",
        "cancel?",
        "hi i need to cancel tonight, sorry",
        "something came up and we have to cancel our {time}",
        "is there a cancellation fee if i cancel {day}",
        "can you cancel my booking? it's under {name}",
        "not going to make our {time} {day}, please cancel it",
        "cancel my {day} booking at {site} please",
        "how late can i cancel without being charged",
        "want to cancel the {time} slot i booked",
        "pls cancel {bay} {day} at {time}, plans changed",
        "no longer need the bay {day}, cancel please",
    ]),
    "booking_group_sick": (45, [
        "half our group is sick, can we reschedule",
        "{n} of us came down with the flu, what are our options for {day}",
        "a couple of us are sick today, can we still come with just {n2}",
        "hey half the group is sick, can we get a credit instead",
        "our group of {n} is down to {n2} because people are sick. do we still pay for all",
        "couple of the guys are sick, can we postpone {day}'s booking",
        "kids got sick, only half of us can come, is that ok",
        "half my party is sick, what do we do about the booking",
        "a few of us are under the weather, can we reduce the group size for {time}",
        "group sick?",
        "stomach bug went through the group lol. can we rebook for {day2}",
        "booked for {n} but half are sick, can we pay for fewer people",
        "two people in our party are sick, can we push to next week",
        "only {n2} of us showing up tonight, the rest are sick",
        "half the team has covid, can we move our {time} {day}",
    ]),
    "door_access": (80, [
        "door won't open",
        "door?",
        "hi im at {site} and the door won't unlock",
        "what's the door code",
        "code isn't working at the front door",
        "we're outside {site}, door is locked, booking at {time}",
        "haven't received the door code for my booking",
        "entered the code 3 times and nothing happens",
        "door keypad is dead at {site}",
        "cant get in!!",
        "how do we get in the building",
        "the door code from the email doesn't work",
        "is the door supposed to open early? we're here for {time}",
        "stuck outside {site}",
        "keypad beeps red when i put the code in",
        "locked out, help",
        "door code?",
        "we have {bay} at {time} and can't get through the door",
    ]),
    "trackman_frozen": (75, [
        "sim is frozen in {bay}",
        "trackman froze mid round",
        "{bay} keeps restarting",
        "screen is stuck on loading",
        "the simulator just froze, can you reset it",
        "trackman keeps crashing in {bay} at {site}",
        "frozen again",
        "TrackMan app not responding",
        "it's stuck on the spinning wheel",
        "sim froze and now it's rebooting over and over",
        "the computer in {bay} restarted itself twice now",
        "game froze on hole {hole}",
        "frozen screen in {bay}",
        "sim crashed, lost our round",
        "everything locked up, can someone remote in?",
        "trackman frozen?",
        "{bay} at {site} just went black and restarted",
    ]),
    "side_screens_off": (50, [
        "side screens are off",
        "side screens are black in {bay}",
        "the side monitors aren't on",
        "how do we turn on the side screens",
        "only the main screen works, the sides are dead",
        "side tvs not working at {site}",
        "no picture on the side screens",
        "left side screen is off",
        "side screens?",
        "the little screens on the side say no signal",
        "side displays won't turn on in {bay}",
        "the screens beside the hitting mat are off",
        "can't see our stats, side screen is blank",
        "right side monitor is off in {bay}",
    ]),
    "qr_login": (60, [
        "qr code won't log me in",
        "scanned the qr code and nothing happens",
        "can't log in to trackman",
        "qr not working",
        "how do i log in on the sim",
        "it won't accept my login, can we just play as guest",
        "the qr code on screen won't load on my phone",
        "trying to sign in with the qr code but it keeps timing out",
        "login?",
        "my trackman account won't connect in {bay}",
        "can we play without logging in",
        "QR code says invalid",
        "scanned it 5 times, still not logged in",
        "app login failing at {site}",
        "do we have to log in or can we play as a guest",
        "the login screen in {bay} won't take my qr",
    ]),
    "ball_not_registering": (60, [
        "ball isn't registering",
        "shots aren't reading in {bay}",
        "it's not picking up any of my shots",
        "hit the ball and nothing shows on screen",
        "sim not tracking the ball",
        "putts aren't registering",
        "trackman isn't reading chips",
        "every third shot doesn't register",
        "shots not counting?",
        "the ball doesn't show up in {bay}, we've hit like 10",
        "not detecting the ball at all",
        "no ball data coming up",
        "ball reading?",
        "misreads every shot, says 12 yards on a full driver",
        "{bay} at {site} isn't picking up shots",
    ]),
    "projector_issue": (50, [
        "projector is off",
        "projector?",
        "the image is super blurry in {bay}",
        "projector won't turn on",
        "picture is all purple",
        "screen image is flickering",
        "projector says no signal",
        "the projector picture is shifted half off the screen",
        "projector bulb seems dead at {site}",
        "main screen is dark but the computer is on",
        "image is really dim",
        "projector keeps turning off on its own",
        "projected image is upside down lol",
        "there's a line through the projector image",
        "projector in {bay} is making a weird noise and the picture went out",
    ]),
    "gift_card_buy": (50, [
        "do you sell gift cards",
        "how can i buy a gift card",
        "want to get a {amount} gift card for my dad",
        "gift cards?",
        "can I buy a gift card online",
        "looking for a christmas gift, do you do gift certificates",
        "how much are gift cards",
        "can i buy a gift card for {hours} hours",
        "where do i purchase a gift card",
        "can gift cards be emailed",
        "buying a gift card for a friend's birthday, how does it work",
        "do gift cards work at all locations",
        "is there a way to get a physical gift card",
        "can i get a {amount} gift certificate for {name}",
    ]),
    "gift_card_balance": (50, [
        "my gift card isn't showing on my account",
        "gift card balance?",
        "how do i check my gift card balance",
        "entered my gift card code but the balance didn't go up",
        "gift card not applied to my booking",
        "i got a gift card but can't find it in the app",
        "how much is left on my gift card",
        "gift card code says invalid",
        "the {amount} gift card i got isn't on my account",
        "how do i redeem a gift card",
        "trying to use my gift card at checkout, doesn't show up",
        "gift card credit disappeared",
        "added my gift card, still says $0",
        "my {amount} gift card only shows part of the balance",
    ]),
    "hours": (60, [
        "what are your hours",
        "hours?",
        "are you open 24/7",
        "open {day}?",
        "are you open on {holiday}",
        "what time do you close",
        "is {site} open right now",
        "can we come at 3am lol",
        "open late tonight?",
        "holiday hours?",
        "what time does {site} open in the morning",
        "open 24 hours every day?",
        "is {site} open at {time} {day}",
        "what are the hours for {site}",
    ]),
    "pricing": (65, [
        "how much is it",
        "price?",
        "how much for an hour",
        "what are your rates",
        "is it per person or per bay",
        "how much for {n} people for {hours} hours",
        "cost for {dur} at {site}?",
        "are weekends more expensive",
        "any student discounts",
        "do prices change at night",
        "what does it cost to play 18",
        "rates for {day}?",
        "how much is it per hour on {day}",
        "is there a senior rate",
        "how much would {n} of us pay for {dur}",
    ]),
    "wifi": (55, [
        "wifi pw?",
        "what's the wifi password",
        "wifi?",
        "is there wifi at {site}",
        "can't connect to the wifi",
        "wifi network name?",
        "guest wifi password please",
        "internet password at {site}",
        "whats the wi-fi",
        "wifi isn't working in {bay}",
        "do you have wifi",
        "need wifi for my laptop",
        "the wifi password on the wall doesn't work",
        "wifi password for {site}?",
    ]),
    "club_rental": (55, [
        "do you have clubs",
        "clubs?",
        "can we rent clubs",
        "do i need to bring my own clubs",
        "are clubs included",
        "is there a fee for clubs",
        "we don't have clubs, is that ok",
        "do you have clubs for {n} people",
        "any clubs at {site}",
        "what kind of clubs do you have there",
        "can we use house clubs",
        "do you provide balls and clubs",
        "need clubs for {day}",
        "are there women's clubs",
        "are there clubs in {bay} or do we bring our own",
    ]),
    "food_drinks": (60, [
        "can we bring food",
        "is alcohol allowed",
        "can we bring beer",
        "bring own drinks?",
        "byob?",
        "can we order pizza to the bay",
        "is there food there",
        "can we bring a few cans",
        "do you sell drinks",
        "are snacks allowed in {bay}",
        "can we bring wine for a birthday",
        "food allowed?",
        "any vending machine at {site}",
        "can we get food delivered to {site}",
        "is it ok to bring a case of beer {day}",
    ]),
    "how_long_18": (50, [
        "how long does 18 holes take",
        "how long to play 18 with {n} people",
        "how long for 18?",
        "how many hours should we book for 18 holes with {n}",
        "{n} of us, how long to finish a full round",
        "is {hours} hours enough for 18 with {n}",
        "how long does 9 holes take for {n}",
        "how long per person for 18",
        "what's the average time for a round with {n} players",
        "will we finish 18 in {hours} hours",
        "18 holes {n} people, how long?",
        "should we book 2 or 3 hours for 18 with {n}",
        "time for a round?",
        "how long would a full round take for {n} beginners",
    ]),
    "membership": (50, [
        "do you have memberships",
        "membership?",
        "how much is a membership",
        "what's included with membership",
        "how do i cancel my membership",
        "do members get discounts",
        "is there a monthly plan",
        "membership benefits?",
        "can i freeze my membership for the summer",
        "does membership work at all locations",
        "want to sign up for a membership",
        "is there a family membership",
        "how does the winter membership work",
        "can i upgrade my membership",
        "is a membership worth it if i play {hours} hours a week",
    ]),
    "locations": (50, [
        "where are you located",
        "address?",
        "what's the address for {site}",
        "which locations do you have",
        "do you have a location in {town}",
        "how many sites are there",
        "closest location to {town}?",
        "where is the {site} one exactly",
        "is there one in halifax",
        "locations?",
        "which building is the {site} location in",
        "send me the address pls",
        "is the {site} location open yet",
        "how do i find the {site} spot, gps is confused",
    ]),
    "parking": (50, [
        "where do we park",
        "parking?",
        "is there parking at {site}",
        "is parking free",
        "can i park out front",
        "where's the parking at {site}",
        "is there overnight parking",
        "any accessible parking",
        "can we leave the car in the lot",
        "is street parking ok",
        "lot is full, where else can we park",
        "do i need a parking pass",
        "can i park a truck and trailer at {site}",
        "where should {n} cars park at {site}",
    ]),
    "lost_and_found": (50, [
        "left my {item} in {bay} {dayp}",
        "did anyone find a {item}",
        "lost my {item} at {site}",
        "i think i left my {item} behind {dayp}",
        "lost and found?",
        "forgot my {item} at {site}, can i come get it",
        "anyone turn in a {item}",
        "left a {item} in {bay} around {time}",
        "is there a lost and found",
        "pretty sure my {item} is still at {site}",
        "my buddy left his {item} there {dayp}",
        "missing a {item} after our session",
        "can you check {bay} for a {item}",
    ]),
    "refund_request": (55, [
        "can i get a refund",
        "refund?",
        "i was charged twice",
        "the sim didn't work the whole time, we want a refund",
        "double charged for my booking",
        "requesting a refund for {day}'s session",
        "we lost {dur} to tech problems, can we get some money back",
        "paid but couldn't get in, need a refund",
        "charged for {hours} hours but only played 1",
        "how long does a refund take",
        "still waiting on my refund",
        "want my money back, nothing worked at {site}",
        "can i get credit for the time we lost",
        "i was billed for a booking i cancelled",
    ]),
    "lessons": (45, [
        "do you offer lessons",
        "lessons?",
        "is there a golf pro",
        "can i book a lesson",
        "looking for lessons for my son",
        "do you have a coach at {site}",
        "any beginner lessons",
        "how much are lessons",
        "can i book a swing analysis",
        "private lessons available?",
        "want to improve my swing, do you do coaching",
        "group lessons for {n} people?",
        "is there a pro who teaches at {site}",
        "lesson for my {age} year old {day}?",
    ]),
    "leagues_tournaments": (45, [
        "do you have leagues",
        "league?",
        "how do i join a league",
        "any tournaments coming up",
        "is there a winter league",
        "league nights at {site}?",
        "how much to join the league",
        "can we enter a team of {n}",
        "when does the next league start",
        "do you run tournaments for corporate groups",
        "tournament sign up?",
        "is there a closest to the pin contest",
        "what night is league at {site}",
        "any spots left in the league",
    ]),
    "kids_policy": (50, [
        "can kids come",
        "age limit?",
        "is there a minimum age",
        "can my {age} year old play",
        "are kids allowed without adults",
        "can i bring my kids",
        "can a {teen} year old book on their own",
        "kids allowed?",
        "do kids need to be supervised",
        "birthday party for {age} year olds, is that ok",
        "can teens come alone",
        "is it ok to bring a baby",
        "what age do you have to be to book",
        "my {teen} yo wants to go with friends {day}, allowed?",
    ]),
    "left_handed_clubs": (45, [
        "do you have lefty clubs",
        "left handed clubs?",
        "any left-handed sets",
        "i'm a lefty, do you have clubs for me",
        "can the sim do left handed",
        "do you have left handed clubs at {site}",
        "lefty?",
        "need a left handed set for {day}",
        "are there left handed drivers",
        "my son is left handed, are there clubs for him",
        "left hand clubs available?",
        "does the bay work for left handed golfers",
        "is there a lefty set in {bay}",
    ]),
    "receipt_request": (45, [
        "can i get a receipt",
        "receipt?",
        "need a receipt for my booking {day}",
        "can you email me a receipt",
        "need an invoice for work",
        "where do i find my receipt",
        "can i get a receipt with HST on it",
        "my company needs an itemized receipt",
        "can you resend the receipt for {dayp}",
        "receipt for {name}'s booking please",
        "didn't get a confirmation email or receipt",
        "need receipts for last month",
        "invoice?",
        "can i get a receipt for {bay} at {site} {dayp}",
    ]),
    "positive_feedback": (60, [
        "thanks!",
        "great time tonight, thanks",
        "had a blast at {site}",
        "awesome setup, we'll be back",
        "thanks for the quick help",
        "love this place",
        "fixed, thank you!!",
        "best sim in town",
        "the guys loved it, thanks",
        "10/10",
        "thank you so much",
        "perfect, all good now",
        "amazing night, thanks again",
        "you guys are the best",
        "just wanted to say great experience",
        "{bay} was perfect {dayp}, thanks",
    ]),
    "extend_session": (50, [
        "can we extend",
        "extend?",
        "can we add another hour",
        "can we stay longer in {bay}",
        "is {bay} free after us? want to keep going",
        "can we add {dur}",
        "we're having fun, can we extend till {time}",
        "how do we extend our session",
        "extend our booking another 30 min?",
        "can we keep playing after {time}",
        "want to add time to our booking",
        "we won't finish our round in time, can we go over",
        "add an hour to {bay} please",
        "can we stay in {bay} at {site} a bit longer",
    ]),
}

# Out-of-scope: one-off questions no canned reply fits.
OOS_PHRASINGS = [
    "what's the weather supposed to be {day}",
    "is it gonna rain {day}",
    "can you recommend a restaurant near {site}",
    "any good places to eat around {site}",
    "are you hiring",
    "how do i apply for a job",
    "do you need any staff? i'm looking for work",
    "can i drop off a resume at {site}",
    "hey how's your day going",
    "what's your favourite golf course",
    "do you do bowling",
    "is there a hockey rink near {site}",
    "do you have pickleball courts",
    "who won the hockey game last night",
    "wrong number sorry",
    "is this {name}?",
    "who is this",
    "do you know a good mechanic in {town}",
    "what's the best pizza in {town}",
    "can you help me with my taxes",
    "do you do soccer simulators",
    "any tips for my fantasy football team",
    "are you a real person",
    "how far is the airport from {site}",
    "what's a good hotel in {town}",
    "my dog ate a golf ball what do i do",
    "is the ferry running {day}",
    "do you know if costco is open {day}",
    "can you recommend a physio for golfer's elbow",
    "looking for a babysitter for {day}, know anyone?",
    "what's the best baseball bat for a {age} year old",
    "can you recommend a dentist in {town}",
    "just got a new puppy 🐶",
    "happy friday!",
    "what time is high tide in {town} {day}",
    "do you guys sell used cars",
    "is the highway to {town} plowed yet",
    "how do i get to the rink in {town}",
    "can you text my wife i'll be late",
    "what channel is the game on",
    "do you know any good tennis coaches",
    "is there a gas station near {site}",
    "are the ski hills open yet",
    "where can i watch the world juniors {day}",
    "what's 15% of 80",
    "my phone keeps dying, any idea why",
    "do you know when the leaves change in the valley",
    "can i borrow a ladder",
    "is walmart in {town} open late",
    "anyone want to buy a snowblower",
]

# ---------------------------------------------------------------------------------------------
# Slot fillers
# ---------------------------------------------------------------------------------------------

SITES = ["Bedford", "Dartmouth", "Bayers Lake", "Truro", "River Oaks", "Stratford"]
SITE_ALIASES = {"Bayers Lake": ["bayers", "Bayers"], "River Oaks": ["river oaks", "the Oaks"]}
BAY_WORDS = ["bay", "bay", "box", "sim", "bay #", "box #", "Bay", "simulator"]
TIMES = ["5pm", "5:30", "6", "6pm", "6:30", "6:30pm", "7", "7pm", "7 pm", "7:30", "7:30pm",
         "730", "8", "8pm", "8:15", "8:30", "9pm", "9:30", "10pm", "10am", "11am", "noon",
         "11:45am", "1pm", "2:30", "4pm", "4:15"]
NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 8: "eight"}
DAYS = ["tonight", "tomorrow", "today", "this saturday", "saturday", "Saturday", "sunday",
        "Sunday morning", "friday night", "Friday", "monday", "next tuesday", "this weekend",
        "thursday", "wednesday night", "tmrw"]
PAST_DAYS = ["yesterday", "last night", "on saturday", "this morning", "on the weekend",
             "friday night", "earlier today", "sunday afternoon", "tuesday"]
DURATIONS = ["an hour", "another hour", "30 min", "half an hour", "2 hours", "90 minutes",
             "an extra 30", "1.5 hrs", "2 hrs"]
HOURS = ["2", "3", "1.5", "2.5", "4"]
AMOUNTS = ["$25", "$50", "$75", "$100", "$150", "$200", "50 dollar", "100$"]
NAMES = ["Mike", "Sarah", "Jen", "Dave", "Colin", "Megan", "Tyler", "Ashley", "Ryan", "Katie",
         "MacDonald", "Chris", "Nicole", "Brent", "Heather", "Liam", "Emma", "Sean"]
ITEMS = ["phone", "wallet", "driver", "black Callaway driver", "glove", "jacket", "hoodie",
         "car keys", "keys", "airpods", "sunglasses", "water bottle", "putter", "hat",
         "credit card", "headcover", "Titleist hat", "backpack", "7 iron", "debit card"]
TOWNS = ["Halifax", "Sackville", "Lower Sackville", "Cole Harbour", "Fall River", "Windsor",
         "Wolfville", "Kentville", "New Glasgow", "Antigonish", "Tantallon", "Eastern Passage",
         "Truro", "Dartmouth", "Clayton Park"]
HOLIDAYS = ["christmas", "christmas day", "boxing day", "new year's day", "canada day",
            "thanksgiving", "easter sunday", "natal day", "remembrance day", "good friday"]

GREETINGS = ["hi ", "hey ", "hello, ", "Hi there, ", "hey guys ", "good evening, ", "yo ",
             "Hi, ", "hey there ", "morning! "]
SIGNOFFS = [" thanks", " thx", " pls", " please", " asap", " ty", ", thank you", " cheers"]
EMOJI = ["🙏", "😅", "😂", "👍", "⛳", "🏌️", "😩", "🤔", "😬", "🙂"]
HAPPY_EMOJI = ["🙌", "❤️", "🔥", "😊", "⛳", "👍", "🏌️‍♂️"]


def pick_site(rng):
    site = rng.choice(SITES)
    r = rng.random()
    if site in SITE_ALIASES and r < 0.25:
        return rng.choice(SITE_ALIASES[site])
    return site.lower() if r > 0.7 else site


def pick_bay(rng, number=None):
    number = number or rng.randint(1, 4)
    word = rng.choice(BAY_WORDS)
    return f"{word}{number}" if word.endswith("#") else f"{word} {number}"


def pick_party(rng):
    n = rng.choice([2, 2, 3, 3, 4, 4, 4, 5, 6, 6, 8])
    return n, (NUMBER_WORDS[n] if n in NUMBER_WORDS and rng.random() < 0.25 else str(n))


def fill(template, rng):
    """Fill `{slot}` placeholders; repeated slots share a value, `*2` slots differ from `*`."""
    values = {}
    party = {}

    def party_size():
        if "n" not in party:
            party["n"] = pick_party(rng)
        return party["n"]

    def other(key, choose):
        first = values.get(key)
        for _ in range(20):
            value = choose()
            if value != first:
                return value
        return value

    def slot(match):
        name = match.group(1)
        if name in values:
            return values[name]
        if name == "site":
            value = pick_site(rng)
        elif name == "site2":
            value = other("site", lambda: pick_site(rng))
        elif name == "bay":
            value = pick_bay(rng)
        elif name == "bay2":
            value = other("bay", lambda: pick_bay(rng))
        elif name == "time":
            value = rng.choice(TIMES)
        elif name == "time2":
            value = other("time", lambda: rng.choice(TIMES))
        elif name == "day":
            value = rng.choice(DAYS)
        elif name == "day2":
            value = other("day", lambda: rng.choice(DAYS))
        elif name == "dayp":
            value = rng.choice(PAST_DAYS)
        elif name == "n":
            value = party_size()[1]
        elif name == "n2":  # fewer people than {n}
            value = str(rng.randint(1, max(1, party_size()[0] - 1)))
        elif name == "dur":
            value = rng.choice(DURATIONS)
        elif name == "hours":
            value = rng.choice(HOURS)
        elif name == "amount":
            value = rng.choice(AMOUNTS)
        elif name == "name":
            value = rng.choice(NAMES)
        elif name == "item":
            value = rng.choice(ITEMS)
        elif name == "town":
            value = rng.choice(TOWNS)
        elif name == "holiday":
            value = rng.choice(HOLIDAYS)
        elif name == "age":
            value = str(rng.randint(5, 12))
        elif name == "teen":
            value = str(rng.randint(13, 17))
        elif name == "hole":
            value = str(rng.randint(1, 18))
        else:
            raise KeyError(f"unknown slot {{{name}}} in {template!r}")
        values[name] = value
        return value

    return re.sub(r"\{(\w+)\}", slot, template)


# ---------------------------------------------------------------------------------------------
# SMS style and typos
# ---------------------------------------------------------------------------------------------

def add_typo(text, rng):
    """One typo in a random word of 4+ letters: swap two adjacent letters, drop or double one."""
    words = [m for m in re.finditer(r"[A-Za-z]{4,}", text)]
    if not words:
        return text
    m = rng.choice(words)
    word = m.group(0)
    i = rng.randrange(1, len(word) - 1)  # keep the first letter, as people usually do
    kind = rng.choice(["swap", "drop", "double"])
    if kind == "swap" and word[i] != word[i + 1]:
        word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    elif kind == "drop":
        word = word[:i] + word[i + 1:]
    else:
        word = word[:i] + word[i] + word[i:]
    return text[:m.start()] + word + text[m.end():]


def stylize(text, intent, rng, typo):
    """Return `text` in SMS style; with `typo`, one or two typos are injected."""
    short = len(text.split()) <= 2
    # greeting / sign-off
    if rng.random() < (0.06 if short else 0.16):
        text = rng.choice(GREETINGS) + text
    if not short and rng.random() < 0.08:
        text = text.rstrip("?!.") + rng.choice(SIGNOFFS)
    # trailing punctuation
    r = rng.random()
    if r < 0.12:
        text = text.rstrip("?!.")
    elif r < 0.17 and text.endswith("?"):
        text += "?"
    elif r < 0.21 and not text.endswith(("?", "!")):
        text += rng.choice([".", "!", "?"])
    # apostrophes: dropped (whats, cant) or typographic (’)
    if "'" in text:
        r = rng.random()
        if r < 0.18:
            text = text.replace("'", "")
        elif r < 0.40:
            text = text.replace("'", "\u2019")
    # casing
    r = rng.random()
    if r < 0.30:
        text = text[0].upper() + text[1:]
    elif r < 0.34:
        text = text.upper()
    elif r < 0.50:
        text = text.lower()
    # occasional emoji
    if rng.random() < 0.07:
        pool = HAPPY_EMOJI if intent == "positive_feedback" else EMOJI
        text += rng.choice(["", " "]) + rng.choice(pool)
    # typos
    if typo:
        text = add_typo(text, rng)
        if rng.random() < 0.2:
            text = add_typo(text, rng)
    return text


def dedup_key(text):
    text = text.casefold().replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip().rstrip("?!. ")


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def generate(seed):
    rng = random.Random(seed)
    for intent, (_, phrasings) in INTENTS.items():
        assert len(set(phrasings)) >= MIN_PHRASINGS, f"{intent}: too few phrasings"
    in_scope = sum(count for count, _ in INTENTS.values())
    n_oos = round(in_scope * OOS_SHARE / (1 - OOS_SHARE))
    plan = [(intent, count, phrasings) for intent, (count, phrasings) in INTENTS.items()]
    plan.append(("oos", n_oos, OOS_PHRASINGS))

    seen = set()
    messages = []
    typos = 0
    for intent, count, phrasings in plan:
        for _ in range(count):
            # decided once per message, so retries for duplicates do not skew the typo rate
            typo = rng.random() < TYPO_PROBABILITY
            for _attempt in range(1000):
                text = stylize(fill(rng.choice(phrasings), rng), intent, rng, typo)
                key = dedup_key(text)
                if key not in seen:
                    break
            else:
                raise RuntimeError(f"{intent}: could not find a new phrasing")
            seen.add(key)
            typos += typo
            messages.append({"text": text, "intent": intent})

    rng.shuffle(messages)
    splits = {"train": [], "val": []}
    for message in messages:
        splits["train" if rng.random() < TRAIN_PROBABILITY else "val"].append(message)
    rows = []
    for split, items in splits.items():
        for index, message in enumerate(items):
            rows.append({"id": f"demo-{split}-{index:05d}", "text": message["text"],
                         "intent": message["intent"], "split": split})
    return rows, typos


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .jsonl path")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args()

    rows, typos = generate(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

    per_split = Counter(row["split"] for row in rows)
    oos = Counter(row["split"] for row in rows if row["intent"] == "oos")
    intents = {row["intent"] for row in rows} - {"oos"}
    print(f"wrote {len(rows)} messages to {args.out} (seed {args.seed})", file=sys.stderr)
    for split in ("train", "val"):
        print(f"  {split}: {per_split[split]} messages, {oos[split]} oos "
              f"({oos[split] / per_split[split]:.1%})", file=sys.stderr)
    print(f"  {len(intents)} in-scope intents + oos; {typos} messages given typos "
          f"({typos / len(rows):.1%})", file=sys.stderr)


if __name__ == "__main__":
    main()
