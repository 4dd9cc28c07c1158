"""What is asked of the teacher and how its answers are read: a recipe's prompt and its parser
side by side (`base.Method`; `alpaca`, `self_instruct`), and the teacher profiles that say how a
recipe talks to one kind of teacher."""
