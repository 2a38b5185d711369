"""Classification: candidates on a page -> signals -> a decision with its evidence."""
