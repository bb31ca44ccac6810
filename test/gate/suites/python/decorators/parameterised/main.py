def register(kind):
    def deco(f):
        return f
    return deco


@register("card")
def pay_card():
    pass


pay_card()
