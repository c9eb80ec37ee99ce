#include "tune/cost_model/xgboost_booster.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <memory>

#include "atim/support/error.h"

namespace atim::tune::cost_model_detail {
namespace {

void check(int status, const char *what) {
    if (status != 0) throw InternalError(fmt::format("xgboost {} failed: {}", what, XGBGetLastError()));
}

/// A DMatrix that frees itself.
class DMatrix {
public:
    explicit DMatrix(const DenseMatrix &x) {
        check(XGDMatrixCreateFromMat(x.values.data(), x.rows, x.cols, std::nanf(""), &handle_),
              "XGDMatrixCreateFromMat");
    }
    ~DMatrix() { XGDMatrixFree(handle_); }
    DMatrix(const DMatrix &) = delete;
    DMatrix &operator=(const DMatrix &) = delete;
    DMatrixHandle get() const { return handle_; }

private:
    DMatrixHandle handle_ = nullptr;
};

void set_params(BoosterHandle booster, const std::map<std::string, std::string> &params) {
    for (const auto &[name, value] : params)
        check(XGBoosterSetParam(booster, name.c_str(), value.c_str()), "SetParam");
}

}  // namespace

Booster::Booster() { check(XGBoosterCreate(nullptr, 0, &handle_), "XGBoosterCreate"); }

Booster::~Booster() { XGBoosterFree(handle_); }

void Booster::train(const DenseMatrix &x, const std::vector<float> &labels,
                    const std::map<std::string, std::string> &params, int rounds) {
    DMatrix train(x);
    check(XGDMatrixSetFloatInfo(train.get(), "label", labels.data(), labels.size()), "SetFloatInfo(label)");
    // A fresh booster bound to this training matrix: training always starts from scratch.
    XGBoosterFree(handle_);
    handle_ = nullptr;
    DMatrixHandle cache[] = {train.get()};
    check(XGBoosterCreate(cache, 1, &handle_), "XGBoosterCreate");
    set_params(handle_, params);
    for (int round = 0; round < rounds; ++round)
        check(XGBoosterUpdateOneIter(handle_, round, train.get()), "XGBoosterUpdateOneIter");
}

std::vector<float> Booster::predict(const DenseMatrix &x) const {
    DMatrix data(x);
    const char *config = R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0,
                             "strict_shape": false})";
    const bst_ulong *shape = nullptr;
    bst_ulong dims = 0;
    const float *result = nullptr;
    check(XGBoosterPredictFromDMatrix(handle_, data.get(), config, &shape, &dims, &result),
          "XGBoosterPredictFromDMatrix");
    return std::vector<float>(result, result + x.rows);
}

std::string Booster::save_json() const {
    bst_ulong length = 0;
    const char *bytes = nullptr;
    check(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &length, &bytes),
          "XGBoosterSaveModelToBuffer");
    return std::string(bytes, length);
}

void Booster::load_json(const std::string &json, const std::map<std::string, std::string> &params) {
    if (XGBoosterLoadModelFromBuffer(handle_, json.data(), json.size()) != 0) {
        std::string reason = XGBGetLastError();
        reason = reason.substr(0, reason.find('\n'));  // one line for the CLI
        user_error("the cost model's XGBoost model is corrupt ({}); delete the file and retrain", reason);
    }
    set_params(handle_, params);
}

}  // namespace atim::tune::cost_model_detail
