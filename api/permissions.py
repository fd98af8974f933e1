"""Who may see and revoke a personal API token: its owner alone (see portal.permissions)."""

from portal.permissions import Policy, register, rules

from .models import ApiToken


@register
class ApiTokenPolicy(Policy):
    model = ApiToken
    county_path = None  # a token belongs to a person, not to a county
    rules = {
        "view": rules.person(),
        "revoke": rules.person(),
    }
