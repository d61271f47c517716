from django import template

from grannar.core.plurals import plural_count as _plural_count

register = template.Library()


@register.filter
def plural_count(value) -> int:
    """`{% blocktranslate count counter=hours|plural_count %}` for a decimal amount."""
    return _plural_count(value)
