"""What people tells other apps without knowing who listens."""

from django.dispatch import Signal

# Sent with `person_ids` and `fields` (the names changed) inside the transaction that changed
# those persons' records, so that a listener's writes commit or roll back with the change.
person_changed = Signal()

# Sent with `person_id` and `identity` (the e-mail addresses and names the person had) inside
# the transaction that erased them, so apps above people can take those out of their tables.
person_erased = Signal()
