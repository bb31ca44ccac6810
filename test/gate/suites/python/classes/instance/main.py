class Account:
    def __init__(self, owner):
        self.owner = owner

    def deposit(self, amount):
        return self.check(amount)

    def check(self, amount):
        return amount > 0


class Bank:
    def open(self, name):
        acct = Account(name)
        acct.deposit(10)
        return acct


Bank().open("a")
