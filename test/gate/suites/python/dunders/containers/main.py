class Entry:
    def post(self):
        return 1


class Cursor:
    def __next__(self):
        return Entry()


class Ledger:
    def __len__(self):
        return 0

    def __getitem__(self, i):
        return Entry()

    def __setitem__(self, i, entry):
        entry.post()

    def __delitem__(self, i):
        pass

    def __contains__(self, entry):
        return True

    def __iter__(self):
        return Cursor()


def read(ledger: Ledger):
    return ledger[0].post()


def write(ledger: Ledger):
    ledger[0] = Entry()


def remove(ledger: Ledger):
    del ledger[0]


def has(ledger: Ledger, e: Entry):
    return e in ledger and len(ledger)


def first(ledger: Ledger):
    return next(iter(ledger)).post()


def plain(d):
    d["k"] = d["j"]
    return "k" in d
