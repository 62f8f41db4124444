"""Domain errors raised by the store; mapped to plain answers once, at the edge (bot.router)."""


class DomainError(Exception):
    """Something a user did that the rules refuse; never a bug."""


class NotFound(DomainError):
    pass


class AlreadyExists(DomainError):
    pass


class InvalidInput(DomainError):
    pass


class NotASupporter(DomainError):
    pass


class WrongDistrict(DomainError):
    pass


class AlreadyTaken(DomainError):
    pass


class NotYours(DomainError):
    pass


class RequestClosed(DomainError):
    pass


class StaleButton(DomainError):
    pass
