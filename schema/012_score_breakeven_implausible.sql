-- 012: value-for-money model 1.1 (issue 9): break-even cost and implausible scores
--
-- breakeven_cost is the cost per participant (or per area-year) below which
-- the intervention pays back: the present value of its benefits per unit. It
-- is known whenever the effect, a unit cost and a baseline are, even when no
-- public source gives the programme's cost. A benefit-cost ratio above 50 is
-- flagged implausible, with its own band, never a plain very-high.
ALTER TABLE scores
    ADD COLUMN breakeven_cost double precision,
    ADD COLUMN implausible boolean NOT NULL DEFAULT false,
    DROP CONSTRAINT scores_band_check,
    ADD CONSTRAINT scores_band_check CHECK (band IN ('poor', 'low', 'medium', 'high',
        'very-high', 'insufficient', 'implausible'));
