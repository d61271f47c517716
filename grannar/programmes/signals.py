"""What programmes tells other apps without knowing who listens."""

from django.dispatch import Signal

# Sent with `programme` and `municipality_ids` inside the transaction that changed those
# municipalities' leaving dates in the programme.
membership_changed = Signal()
# Sent with `category_ids` inside the transaction that moved those staff categories to another
# sector.
category_changed = Signal()
