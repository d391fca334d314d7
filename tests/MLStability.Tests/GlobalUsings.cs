global using Microsoft.ML;
global using Microsoft.ML.Data;
global using MLStability.Trainers;
