class Base:
    def pay(self):
        pass


class Left(Base):
    pass


class Right(Base):
    def pay(self):
        pass


class Child(Left, Right):
    pass


Child().pay()
Left().pay()
