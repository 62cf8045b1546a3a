// The skill, risk and behaviour figures (docs/metrics.md §4.6-§4.8) in plain words, for
// someone deciding whom to copy: one sentence each, shown on the wallet page and as the
// titles of the board's columns and badges. Loaded before the page's other scripts, which
// read `window.polyrankFigures`; the figures themselves come from the API, keyed by these names.
"use strict";

window.polyrankFigures = (() => {
  const text = {
    skilled: "This wallet made more than the prices it paid implied, by "
      + "more than luck explains even after allowing for the thousands of wallets tested "
      + "(Benjamini–Hochberg at 5%): the strongest sign here that its picks had an edge "
      + "worth following.",
    edge: "What each closed bet made per share beyond the price paid, on average "
      + "(+0.05 is five cents a share); above zero means it bought outcomes for less than "
      + "they turned out to be worth, which a high win rate alone does not show.",
    edge_lb: "The edge less 1.645 standard errors, a cautious figure: "
      + "when it is above zero the edge is unlikely to be luck, so prefer wallets where it "
      + "is positive.",
    skill_z: "The edge divided by its uncertainty; above about 2 an edge this large "
      + "rarely comes from luck alone, below 1 it could easily be noise (p: the chance of "
      + "doing this well without skill).",
    sharpe_daily: "The wallet's average daily P&L change divided "
      + "by how much it swings from day to day (Sortino counts only the losing days); "
      + "higher means steadier gains that are easier to hold on to while copying.",
    max_drawdown: "The largest fall of the wallet's P&L from an earlier peak, "
      + "in dollars and as a share of the most money it had at stake: the worst stretch a "
      + "copier would have had to sit through.",
    market_maker: "Often the resting side of trades, or buying both outcomes "
      + "on the same day: it earns the spread rather than forecasting, so copying its "
      + "trades does not copy its profit.",
    high_frequency: "Its trades are typically less than a minute "
      + "apart, so it is probably automated and too fast for a person to copy.",
    favourite_buyer: "Its typical buy is at 0.90 or more, so it wins "
      + "often but makes little per bet, and one upset can wipe out many wins.",
  };
  return {
    text,
    // the wallet page's explanations, in this order
    explain: [
      { key: "skilled", label: "Skilled badge" },
      { key: "edge", label: "Edge per share" },
      { key: "edge_lb", label: "Edge, lower bound" },
      { key: "skill_z", label: "Skill z (p)" },
      { key: "sharpe_daily", label: "Sharpe / Sortino (daily)" },
      { key: "max_drawdown", label: "Max drawdown" },
      { key: "market_maker", label: "Market maker" },
      { key: "high_frequency", label: "Bot-like (high frequency)" },
      { key: "favourite_buyer", label: "Favourite buyer" },
    ],
    skilled: { badge: "✓ skilled", title: text.skilled },
    // a behaviour flag's badge, the board's "hide …" toggle, and its title
    flags: {
      market_maker: { badge: "market maker", hide: "market makers",
                      title: text.market_maker },
      high_frequency: { badge: "bot", hide: "bots", title: text.high_frequency },
      favourite_buyer: { badge: "favourite buyer", hide: "favourite buyers",
                         title: text.favourite_buyer },
    },
  };
})();
