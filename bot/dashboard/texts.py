"""Dashboard texts chosen at run time (statuses, roles, page names): marked here for the
translation check, which cannot see through a variable.

Stored values (``open``, ``accepted`` …) are shown through :data:`LABELS`, capitalised msgids
of the dashboard's own, so a customer-facing translation of the same word in another feature's
catalog ("you left the test") never lands in a table.
"""

from __future__ import annotations

from bot.i18n import N_

PAGES = (N_("Overview"), N_("Inbox"), N_("Surveys"), N_("Themes"), N_("Beta"), N_("Webhooks"),
         N_("Your account"), N_("Person"), N_("Sign in"), N_("Audit log"))
LABELS = {
    "viewer": N_("Viewer"), "operator": N_("Operator"), "admin": N_("Admin"),
    "open": N_("Open"), "waiting": N_("Waiting"), "closed": N_("Closed"),
    "customer": N_("Customer"), "bot": N_("Bot"), "system": N_("System"),
    "negative": N_("Negative"), "neutral": N_("Neutral"), "positive": N_("Positive"),
    "applied": N_("Applied"), "accepted": N_("Accepted"), "waitlisted": N_("Waitlisted"),
    "rejected": N_("Declined"), "invited": N_("Invited"), "active": N_("Active"),
    "left": N_("Left the beta"), "link": N_("Link"), "command": N_("Command"),
    "promoter": N_("After the NPS question"), "pending": N_("Pending"),
    "delivered": N_("Delivered"), "failed": N_("Failed"), "removed": N_("Removed"),
    "request": N_("Asked for a person"), "misses": N_("The bot could not answer"),
    "complaint": N_("Upset customer"), "not_helpful": N_("An answer did not help"),
}
"""Stored value -> the msgid shown for it (statuses, roles, authors, reasons, channels of entry)."""
FEEDBACK = (N_("Bug"), N_("Feature request"), N_("Praise"), N_("Complaint"), N_("Question"),
            N_("No category"), N_("(no entry link)"), N_("answers"), N_("Active testers"))
NOTICES = (N_("Saved."), N_("Your reply is on its way to the customer."),
           N_("The ticket is closed and the customer was told."),
           N_("The selected applicants are accepted."), N_("Invitation queued."),
           N_("The selected applicants are declined."),
           N_("Nothing changed: it was already done."), N_("Please write a reply first."),
           N_("Your reply is longer than 4,000 characters. Please shorten it."),
           N_("Please tick at least one applicant first."))
"""The notices of templates/macros.html ``notice_bar``."""
