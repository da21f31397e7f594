#!/usr/bin/env Rscript
# Oracle for model-fit statistics of the longitudinal models, the CI of the study's d, and the
# warnings of wilcox.test(paired = TRUE) when it cannot give an exact p-value.
# Reads data/prepost_long.csv (written by r/prepost.R), scores it with the same rules, and
# writes expected/model_fit.json and expected/wilcoxon_warnings.json.
# Run from anywhere:  Rscript r/model_fit.R   (no random numbers are drawn)
suppressPackageStartupMessages({
  library(lme4)
  library(lmerTest)
  library(performance)
  library(insight)
  library(jsonlite)
})

.script_path <- function() {
  a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
  if (length(a)) return(normalizePath(sub("^--file=", "", a[1])))
  stop("run with Rscript")
}
ROOT <- dirname(dirname(.script_path()))
dir.create(file.path(ROOT, "expected"), showWarnings = FALSE)
RNGkind("Mersenne-Twister", "Inversion", "Rejection")  # not used; stated for completeness

## ---- exact JSON writer (as r/prepost.R): shortest decimal that round-trips each double -----
num_exact <- function(v) {
  vapply(v, function(x) {
    if (is.na(x)) return("null")                 # NA and NaN -> null
    if (is.infinite(x)) return(if (x > 0) "\"Infinity\"" else "\"-Infinity\"")
    for (d in 15:17) {
      s <- sprintf(paste0("%.", d, "g"), x)
      if (as.numeric(s) == x) break
    }
    s
  }, character(1))
}
to_json <- function(x, ind = "") {
  nxt <- paste0(ind, "  ")
  if (is.null(x)) return("null")
  if (is.data.frame(x)) {                        # data.frame -> array of records
    rows <- lapply(seq_len(nrow(x)), function(i) lapply(x, function(col) col[[i]]))
    return(to_json(rows, ind))
  }
  if (is.factor(x)) x <- as.character(x)
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    els <- vapply(x, to_json, character(1), ind = nxt)
    if (!is.null(names(x))) {
      keys <- vapply(names(x), function(k) as.character(jsonlite::toJSON(k, auto_unbox = TRUE)), character(1))
      return(paste0("{\n", paste0(nxt, keys, ": ", els, collapse = ",\n"), "\n", ind, "}"))
    }
    return(paste0("[\n", paste0(nxt, els, collapse = ",\n"), "\n", ind, "]"))
  }
  if (is.matrix(x)) stop("convert matrices before serialising")
  if (is.logical(x)) s <- ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  else if (is.integer(x)) s <- ifelse(is.na(x), "null", as.character(x))
  else if (is.double(x)) s <- num_exact(x)
  else if (is.character(x)) s <- ifelse(is.na(x), "null",
    vapply(x, function(k) as.character(jsonlite::toJSON(k, auto_unbox = TRUE)), character(1)))
  else stop("unsupported type: ", class(x))
  s <- unname(s)
  if (length(x) == 1 && is.null(attr(x, "as_array"))) return(s)
  paste0("[", paste(s, collapse = ", "), "]")
}
as_array <- function(x) { attr(x, "as_array") <- TRUE; x }   # keep length-1 as [x]
write_json_exact <- function(x, file) writeLines(to_json(x), file, useBytes = TRUE)

# evaluate an expression, collecting warnings and messages instead of printing them;
# performance prints some notes with print_color (stdout): captured too
capture <- function(expr) {
  w <- character(0); m <- character(0)
  out <- utils::capture.output(
    val <- withCallingHandlers(expr,
      warning = function(x) { w <<- c(w, conditionMessage(x)); invokeRestart("muffleWarning") },
      message = function(x) { m <<- c(m, trimws(conditionMessage(x))); invokeRestart("muffleMessage") }))
  out <- trimws(out[nzchar(trimws(out))])
  list(value = val, warnings = as_array(w), messages = as_array(c(m, out)))
}
clean_text <- function(s) gsub("\\s+", " ", trimws(s))   # format_warning wraps lines

versions <- list(
  R = paste(R.version.string, R.version$status),
  lme4 = as.character(packageVersion("lme4")),
  lmerTest = as.character(packageVersion("lmerTest")),
  Matrix = as.character(packageVersion("Matrix")),
  performance = as.character(packageVersion("performance")),
  insight = as.character(packageVersion("insight")),
  jsonlite = as.character(packageVersion("jsonlite")),
  stats = as.character(packageVersion("stats")))

## =============================================================================
## 1. Data: data/prepost_long.csv scored with the rules of r/prepost.R
## =============================================================================
long <- read.csv(file.path(ROOT, "data", "prepost_long.csv"), stringsAsFactors = FALSE)
BRS <- paste0("brs_", 1:6); BRS_REV <- paste0("brs_", c(2, 4, 6)); BURN <- paste0("burn_", 1:10)
b <- long[, BRS]; for (it in BRS_REV) b[[it]] <- 6 - b[[it]]
sc <- data.frame(id = long$id, cohort = long$cohort, profession = long$profession,
                 time = factor(long$time, levels = c("pre", "post", "follow")),
                 resilience = ifelse(rowSums(!is.na(b)) >= 4, rowMeans(b, na.rm = TRUE), NA_real_),
                 confidence = as.numeric(long$conf_error),
                 burnout = ifelse(rowSums(!is.na(long[, BURN])) >= 8,
                                  10 * rowMeans(long[, BURN], na.rm = TRUE), NA_real_),
                 stringsAsFactors = FALSE)
# the scores must be those of expected/prepost_scores.json (which every other reference uses)
ref_sc <- jsonlite::fromJSON(file.path(ROOT, "expected", "prepost_scores.json"))$scores
stopifnot(identical(ref_sc$id, sc$id), identical(ref_sc$time, as.character(sc$time)))
for (m in c("resilience", "confidence", "burnout"))
  stopifnot(isTRUE(all.equal(as.numeric(ref_sc[[m]]), sc[[m]], tolerance = 0)))
measures <- c("resilience", "confidence", "burnout")

## =============================================================================
## 2. Model fit statistics
## =============================================================================
fit_block <- function(fc, call) {
  fit <- fc$fit
  ll <- logLik(fit)                              # REML log-likelihood for a REML fit
  icc <- capture(performance::icc(fit))
  r2 <- capture(performance::r2_nakagawa(fit))
  gv <- capture(insight::get_variance(fit))
  icc_v <- icc$value
  has_icc <- is.data.frame(icc_v)
  r2_v <- r2$value
  th <- lme4::getME(fit, "theta")
  ng <- lme4::ngrps(fit)
  list(
    call = call,
    n_obs = nobs(fit),
    n_groups = as.list(setNames(as.integer(ng), names(ng))),
    n_fixed = length(lme4::fixef(fit)),
    theta = as.list(setNames(as.numeric(th), names(th))),
    isSingular = lme4::isSingular(fit),
    REMLcrit = lme4::REMLcrit(fit),
    logLik = as.numeric(ll),
    logLik_df = attr(ll, "df"),
    logLik_nobs = attr(ll, "nobs"),
    AIC = AIC(fit),
    BIC = BIC(fit),
    deviance_REML_TRUE = deviance(fit, REML = TRUE),
    deviance_note = paste("lme4 1.1.31's deviance(fit, REML = TRUE) on a REML fit returns",
                          "devCrit(fit, REML = FALSE), the ML deviance at the REML estimates,",
                          "not the REML criterion; REMLcrit(fit) is the reference"),
    icc = list(call = "performance::icc(fit)",
               adjusted = if (has_icc) icc_v$ICC_adjusted else NA_real_,
               unadjusted = if (has_icc) icc_v$ICC_unadjusted else NA_real_,
               warnings = as_array(clean_text(icc$warnings)),
               messages = as_array(clean_text(icc$messages))),
    r2_nakagawa = list(call = "performance::r2_nakagawa(fit)",
                       marginal = unname(r2_v$R2_marginal),
                       conditional = unname(r2_v$R2_conditional),
                       warnings = as_array(clean_text(r2$warnings)),
                       messages = as_array(clean_text(r2$messages))),
    get_variance = list(call = "insight::get_variance(fit)",
                        var_fixed = if (is.null(gv$value$var.fixed)) NA_real_ else gv$value$var.fixed,
                        var_random = if (is.null(gv$value$var.random)) NA_real_ else gv$value$var.random,
                        var_residual = if (is.null(gv$value$var.residual)) NA_real_ else gv$value$var.residual,
                        warnings = as_array(clean_text(gv$warnings))),
    lme4_messages = as_array(clean_text(fc$messages)),
    lme4_warnings = as_array(clean_text(fc$warnings)))
}

fit_capture <- function(formula, data) {
  f <- capture(lmer(formula, data = data, REML = TRUE))
  list(fit = f$value, messages = f$messages, warnings = f$warnings)
}

# change vs baseline: beta with Satterthwaite CI, d = beta / sd(baseline scores),
# CI of d = CI of beta / sd(baseline scores)
change_block <- function(fit, baseline_scores, levels = c(0.95, 0.90)) {
  sdb <- sd(baseline_scores)
  cf <- names(lme4::fixef(fit))
  out <- list()
  for (term in cf[-1]) {
    L <- as.numeric(cf == term)
    rows <- list()
    for (lv in levels) {
      ct <- lmerTest::contest1D(fit, L, confint = TRUE, level = lv)
      rows[[sprintf("%.2f", lv)]] <- list(
        confidence = lv,
        beta = ct$Estimate, se = ct$`Std. Error`, df = ct$df,
        beta_ci_low = ct$lower, beta_ci_high = ct$upper,
        d = ct$Estimate / sdb, d_ci_low = ct$lower / sdb, d_ci_high = ct$upper / sdb)
    }
    out[[term]] <- rows
  }
  list(call = "lmerTest::contest1D(fit, L, confint = TRUE, level = .95 / .90)",
       formula = "d = beta / SD_baseline; CI of d = (CI of beta) / SD_baseline; SD_baseline = sd() (n - 1) of all available baseline scores in the model",
       sd_baseline = sdb, n_baseline = length(baseline_scores), terms = out)
}

model_fit <- list()
for (m in measures) {
  d <- sc[!is.na(sc[[m]]), c("id", "cohort", "profession", "time", m)]
  names(d)[5] <- "score"
  d$profession <- factor(d$profession)
  base <- d$score[d$time == "pre"]
  ri <- fit_capture(score ~ time + (1 | id), d)
  co <- fit_capture(score ~ time + (1 | id) + (1 | cohort), d)
  pt <- fit_capture(score ~ profession * time + (1 | id), d)
  bri <- fit_block(ri, "lmer(score ~ time + (1 | id), REML = TRUE)")
  bco <- fit_block(co, "lmer(score ~ time + (1 | id) + (1 | cohort), REML = TRUE)")
  bpt <- fit_block(pt, "lmer(score ~ profession * time + (1 | id), REML = TRUE)")
  model_fit[[m]] <- list(
    random_intercept = c(bri, list(change_vs_baseline = change_block(ri$fit, base))),
    id_and_cohort = c(bco, list(change_vs_baseline = change_block(co$fit, base))),
    profession_by_time = bpt)
}

write_json_exact(list(
  note = paste("Model-fit statistics of lmer(REML = TRUE) fits on the scored data/prepost_long.csv",
               "(scores identical to expected/prepost_scores.json; rows with a missing score dropped;",
               "time treatment-coded, reference pre; profession alphabetical, reference doctor)."),
  versions = versions,
  definitions = list(
    REMLcrit = "lme4::REMLcrit(fit): -2 x REML log-likelihood at the REML estimates",
    logLik = "stats::logLik(fit) of the REML fit = -REMLcrit / 2; its df attribute counts the fixed effects, the random-effect SDs (theta) and the residual SD: p + length(theta) + 1",
    AIC = "stats::AIC(fit) = -2 logLik + 2 df (REML log-likelihood; comparable only between models with the same fixed effects)",
    BIC = "stats::BIC(fit) = -2 logLik + log(nobs) df, nobs = number of observations (lme4 sets attr(logLik, 'nobs') to n, not n - p)",
    var_fixed = "insight::get_variance: var(X beta), the sample variance (n - 1) of the fixed-effect predictions over the observations",
    var_random = "sum of the random-intercept variances",
    var_residual = "sigma^2",
    icc = "performance::icc: adjusted = var_random / (var_random + var_residual); unadjusted = var_random / (var_fixed + var_random + var_residual); NA when a random-effect SD is below tolerance 1e-5 (singular)",
    r2_nakagawa = "performance::r2_nakagawa (Nakagawa, Johnson & Schielzeth 2017): marginal = var_fixed / (var_fixed + var_random + var_residual), conditional = (var_fixed + var_random) / (...); when the random variances are not available (singular, theta < 1e-5) marginal = var_fixed / (var_fixed + var_residual) and conditional = NA"),
  models = model_fit), file.path(ROOT, "expected", "model_fit.json"))

## =============================================================================
## 3. wilcox.test(post, pre, paired = TRUE): warnings when no exact p-value is possible
## =============================================================================
wt <- function(post, pre, ...) {
  r <- capture(wilcox.test(post, pre, paired = TRUE, ...))
  list(V = unname(r$value$statistic), p = r$value$p.value, method = r$value$method,
       warnings = r$warnings)
}
case_block <- function(post, pre) {
  dd <- post - pre; dn <- dd[dd != 0]
  list(post = as_array(post), pre = as_array(pre),
       n_pairs = length(dd), n_zero_diff = sum(dd == 0), n_nonzero_diff = length(dn),
       any_tied_abs_nonzero_diff = any(duplicated(abs(dn))),
       default = c(list(call = "wilcox.test(post, pre, paired = TRUE)"), wt(post, pre)),
       exact_TRUE = c(list(call = "wilcox.test(post, pre, paired = TRUE, exact = TRUE)"),
                      wt(post, pre, exact = TRUE)),
       exact_FALSE = c(list(call = "wilcox.test(post, pre, paired = TRUE, exact = FALSE)"),
                       wt(post, pre, exact = FALSE)),
       greater = c(list(call = "wilcox.test(post, pre, paired = TRUE, alternative = 'greater')"),
                   wt(post, pre, alternative = "greater")))
}

hand <- list(
  ties_only = list(
    description = "tied |differences|, no zero difference",
    pre = c(3, 4, 2, 5, 3, 4, 2, 3), post = c(4, 5, 3, 7, 5, 2, 4, 6)),
  zeros_only = list(
    description = "two zero differences, the other |differences| distinct",
    pre = c(10, 12, 9, 14, 11, 13, 8), post = c(10, 13, 12, 14, 9, 18, 12)),
  ties_and_zeros = list(
    description = "Likert-style change: ties and zeros",
    pre = c(3, 3, 4, 2, 5, 3, 4, 2, 3, 4), post = c(4, 3, 5, 3, 5, 4, 3, 4, 3, 5)),
  all_tied_one_sign = list(
    description = "every difference +1 (one tie group)",
    pre = c(1, 2, 3, 4, 5, 6), post = c(2, 3, 4, 5, 6, 7)),
  one_nonzero = list(
    description = "four zero differences and one non-zero",
    pre = c(2, 2, 2, 2, 3), post = c(2, 2, 2, 2, 5)),
  control_exact = list(
    description = "no ties, no zeros: exact p-value, no warning (control)",
    pre = c(1.0, 1.5, 2.0, 4.5, 1.0, 2.25), post = c(2.0, 3.5, 5.0, 4.0, 6.5, 2.0)))
hand_out <- lapply(hand, function(h) c(list(description = h$description), case_block(h$post, h$pre)))

# the reference data: complete pairs per measure x contrast, all participants and per cohort
wide_of <- function(m) {
  w <- reshape(sc[, c("id", "cohort", "time", m)], idvar = c("id", "cohort"), timevar = "time",
               direction = "wide")
  w[order(w$id), ]
}
ref_pairs <- list()
for (m in measures) {
  w <- wide_of(m)
  for (t2 in c("post", "follow")) {
    x1 <- w[[paste0(m, ".pre")]]; x2 <- w[[paste0(m, ".", t2)]]
    ok <- !is.na(x1) & !is.na(x2)
    all_b <- case_block(x2[ok], x1[ok])
    by_c <- list()
    for (cc in unique(w$cohort[order(as.integer(sub("C", "", w$cohort)))])) {
      k <- ok & w$cohort == cc
      if (sum(k) == 0) next
      by_c[[cc]] <- case_block(x2[k], x1[k])
    }
    ref_pairs[[m]][[paste0(t2, " - pre")]] <- list(all = all_b, by_cohort = by_c)
  }
}

write_json_exact(list(
  note = paste("wilcox.test(post, pre, paired = TRUE) of R's stats package: V, p, method and the",
               "warnings R emits (captured with withCallingHandlers). With exact = NULL R asks for",
               "the exact p-value when n' < 50 (n' = non-zero differences); with ties or zeros it",
               "cannot and falls back to the normal approximation with continuity correction, warning",
               "'cannot compute exact p-value with ties' and/or '... with zeroes' (both can occur)."),
  versions = versions[c("R", "stats", "jsonlite")],
  rule = "exact <- if (is.null(exact)) n' < 50 else exact; exact p only if exact && !TIES && !ZEROES; else normal approximation and, if exact, warning(s) 'cannot compute exact p-value with ties' (TIES) then 'cannot compute exact p-value with zeroes' (ZEROES)",
  hand_made = hand_out,
  reference_data = ref_pairs), file.path(ROOT, "expected", "wilcoxon_warnings.json"))
