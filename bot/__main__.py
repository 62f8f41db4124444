from bot.cli import main

# A guard, since the NLP process of a handling worker is spawned (bot/analysis.py) and imports this module again.
if __name__ == "__main__":
    main()
