import functools


class Schedule:
    def first(self):
        return 1


class Loan:
    @functools.cached_property
    def schedule(self):
        return Schedule()


class TermLoan(Loan):
    pass


def next_due(loan: TermLoan):
    return loan.schedule.first()


next_due(TermLoan())
