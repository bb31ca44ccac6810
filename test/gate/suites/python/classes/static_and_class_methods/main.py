class Rates:
    @staticmethod
    def base():
        return 1

    @classmethod
    def make(cls):
        return cls()

    def value(self):
        return Rates.base()


r = Rates.make()
r.value()
