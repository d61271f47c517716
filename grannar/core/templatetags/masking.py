from django import template

from grannar.core.privacy import mask_personal_data

register = template.Library()
register.filter("mask_personal_data", mask_personal_data)
